"""An MCP server for the gateway's tests, built on the official Python SDK (FastMCP, stdio).

Every call it receives is appended to the file named by VICTOR_FIXTURE_LOG as one JSON line
({"pid", "ppid", "tool", "arguments", "request"}), so a test can show that a denied call never
arrived. `slow` also records how many calls were in flight when it started ("inflight") and, when
it is cancelled, a second line with "cancelled": true.
"""

import asyncio
import json
import os
import sys
from typing import Optional

from mcp.server.fastmcp import Context, FastMCP

LOG = os.environ.get("VICTOR_FIXTURE_LOG")
server = FastMCP("fixture")
in_flight = 0


def log(tool, arguments, **extra):
    if not LOG:
        return
    entry = {"pid": os.getpid(), "ppid": os.getppid(), "tool": tool, "arguments": arguments}
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
async def slow(seconds: float, ctx: Context) -> str:
    """Sleeps, then answers."""
    global in_flight
    in_flight += 1
    log("slow", {"seconds": seconds}, inflight=in_flight, request=str(ctx.request_id))
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        log("slow", {"seconds": seconds}, cancelled=True, request=str(ctx.request_id))
        raise
    finally:
        in_flight -= 1
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


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds the tool `grown` and announces that the tool list changed."""
    log("grow", {})

    def grown() -> str:
        """Exists once `grow` was called."""
        log("grown", {})
        return "grown"

    server.add_tool(grown)
    await ctx.session.send_tool_list_changed()
    return "grew"


@server.tool()
async def reshape(ctx: Context) -> str:
    """Replaces `grown` with one that needs a `word`, and announces that the tool list changed."""
    log("reshape", {})

    def grown(word: str) -> str:
        """Exists once `grow` was called; needs a word once `reshape` was."""
        log("grown", {"word": word})
        return "grown " + word

    server.remove_tool("grown")
    server.add_tool(grown)
    await ctx.session.send_tool_list_changed()
    return "reshaped"


@server.tool()
async def prune(ctx: Context) -> str:
    """Removes `grown` and announces that the tool list changed."""
    log("prune", {})
    server.remove_tool("grown")
    await ctx.session.send_tool_list_changed()
    return "pruned"


if __name__ == "__main__":
    server.run("stdio")
