"""An MCP client for the gateway's tests, built on the official Python SDK.

Usage: client.py SPEC, where SPEC is a JSON object:
  {"command": PATH, "args": [...], "env": {...}, "list": true, "prompts": ["persona", ...],
   "calls": [{"tool": NAME, "arguments": {...}, "timeout": SECONDS}, ...]}
Starts the server over stdio, lists its tools (and prompts), makes the calls in order and prints
one JSON object: {"tools": [...], "prompts": [...], "results": [...]}.
"""

import asyncio
import datetime
import json
import os
import sys

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


def content_of(result):
    items = []
    for item in result.content:
        if item.type == "text":
            items.append({"type": "text", "text": item.text})
        else:
            items.append({"type": item.type})
    return {
        "isError": bool(result.isError),
        "content": items,
        "structuredContent": result.structuredContent,
    }


async def main(spec):
    env = dict(os.environ)
    env.update(spec.get("env", {}))
    parameters = StdioServerParameters(command=spec["command"], args=spec.get("args", []), env=env)
    output = {"tools": [], "prompts": [], "results": []}
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            if spec.get("list", True):
                listed = await session.list_tools()
                output["tools"] = [
                    {"name": tool.name, "description": tool.description, "inputSchema": tool.inputSchema}
                    for tool in listed.tools
                ]
            if "prompts" in spec:
                listed = await session.list_prompts()
                output["prompts"] = [{"name": prompt.name, "description": prompt.description} for prompt in listed.prompts]
                output["promptTexts"] = {}
                for name in spec["prompts"]:
                    got = await session.get_prompt(name)
                    output["promptTexts"][name] = [message.content.text for message in got.messages]
            for call in spec.get("calls", []):
                timeout = call.get("timeout", 60)
                try:
                    result = await session.call_tool(
                        call["tool"],
                        call.get("arguments", {}),
                        read_timeout_seconds=datetime.timedelta(seconds=timeout),
                    )
                    output["results"].append(content_of(result))
                except Exception as error:  # a protocol error, not a tool result
                    output["results"].append({"protocolError": str(error)})
    print(json.dumps(output))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
