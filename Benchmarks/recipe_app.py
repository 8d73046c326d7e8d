"""The FastAPI recipe Punctual comes from, written anew for the benchmark.

A slow data retrieval runs under a deadline: in time, the caller gets the fresh value
(which becomes the cached one); late, the caller gets the cached value, marked as such.

Environment (seconds, floats):
  DELAY         how long a retrieval takes (default 10)
  DELAY_JITTER  each retrieval sleeps DELAY + uniform(0, DELAY_JITTER) (default 0)
  TIMEOUT       the deadline (default 5)

Run: uvicorn recipe_app:app --host 127.0.0.1 --port PORT   (one worker, the default)
"""

import asyncio
import os
import random

from fastapi import FastAPI

DELAY = float(os.environ.get("DELAY", "10"))
DELAY_JITTER = float(os.environ.get("DELAY_JITTER", "0"))
TIMEOUT = float(os.environ.get("TIMEOUT", "5"))

app = FastAPI()

cache = {"data": random.random()}


async def retrieve_data():
    await asyncio.sleep(DELAY + random.uniform(0, DELAY_JITTER))
    return random.random()


@app.get("/retrieve-data")
async def get_data():
    try:
        data = await asyncio.wait_for(retrieve_data(), timeout=TIMEOUT)
        cache["data"] = data
        return {"message": data, "cache": False}
    except asyncio.TimeoutError:
        return {"message": cache["data"], "cache": True}
