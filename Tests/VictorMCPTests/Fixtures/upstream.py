"""An MCP server for the gateway's tests, built on the official Python SDK (FastMCP, stdio).

Every call it receives is appended to the file named by VICTOR_FIXTURE_LOG as one JSON line
({"pid", "tool", "arguments"}), so a test can show that a denied call never arrived.
"""

import asyncio
import json
import os
import sys
from typing import Optional

from mcp.server.fastmcp import FastMCP

LOG = os.environ.get("VICTOR_FIXTURE_LOG")
server = FastMCP("fixture")


def log(tool, arguments, **extra):
    if not LOG:
        return
    entry = {"pid": os.getpid(), "tool": tool, "arguments": arguments}
    entry.update(extra)
    with open(LOG, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")
        file.flush()


@server.tool()
def echo(text: str) -> str:
    """Returns its text."""
    log("echo", {"text": text})
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    log("add", {"a": a, "b": b})
    return a + b


@server.tool()
async def slow(seconds: float) -> str:
    """Sleeps, then answers."""
    log("slow", {"seconds": seconds})
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        log("slow", {"seconds": seconds}, cancelled=True)
        raise
    return "done"


@server.tool()
def fail(message: str) -> str:
    """Raises an error."""
    log("fail", {"message": message})
    raise RuntimeError(message)


@server.tool()
def exit() -> str:
    """Ends its own process without answering."""
    log("exit", {})
    sys.stdout.flush()
    os._exit(3)


@server.tool()
def maybe(x: Optional[int] = None) -> str:
    """Has an optional argument, which FastMCP describes with anyOf."""
    log("maybe", {"x": x})
    return str(x)


if __name__ == "__main__":
    server.run("stdio")
