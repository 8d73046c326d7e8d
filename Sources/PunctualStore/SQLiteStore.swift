// The cache file lands here (issue 7).
