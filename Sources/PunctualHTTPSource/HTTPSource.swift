// The HTTP source lands here (issue 7).
