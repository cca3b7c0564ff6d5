"""An MCP client for the gateway's tests, built on the official Python SDK.

Usage: client.py SPEC, where SPEC is a JSON object:
  {"command": PATH, "args": [...], "env": {...}, "list": true, "prompts": ["persona", ...],
   "calls": [{"tool": NAME, "arguments": {...}, "timeout": SECONDS}, ...]}
Starts the server over stdio, lists its tools (and prompts), makes the calls in order and prints
one JSON object: {"tools": [...], "prompts": [...], "results": [...]}.

With "url" (and "headers") instead of "command", it connects over Streamable HTTP instead.

With "steps" instead of "calls", it runs the steps in order and adds "steps": [one output per
step] to the object. A step is one of:
  {"list": true}                         -> {"tools": [names]}
  {"call": CALL}                         -> the call's result
  {"concurrent": [CALL, ...]}            -> {"results": [...]}, the calls made at once
  {"cancel": CALL, "log": PATH, "match": {...}}
                                         -> {"request": ID, "arrived": bool}: the call is made,
                                            and once a line of the upstream's log holds "match"
                                            (default: the call's tool), cancelled with
                                            notifications/cancelled
  {"waitForLog": PATH, "match": {...}}   -> {"found": bool}: waits up to 10 s for a log line
                                            holding every key and value of "match"
  {"write": PATH, "text": TEXT}          -> {}: writes a file
  {"hangup": PATH}                       -> {"pid": PID}: sends SIGHUP to the gateway, the parent
                                            of the process that wrote the log's last line
  {"waitForListChanged": SECONDS}        -> {"listChanged": bool}: whether
                                            notifications/tools/list_changed arrived (since the
                                            last such step) within SECONDS
"""

import asyncio
import datetime
import json
import os
import signal
import sys
from contextlib import asynccontextmanager

import mcp.types as types
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


def log_lines(path):
    try:
        with open(path, encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]
    except FileNotFoundError:
        return []


async def wait_for_log(path, match, seconds=10):
    for _ in range(int(seconds * 20)):
        if any(all(line.get(key) == value for key, value in match.items()) for line in log_lines(path)):
            return True
        await asyncio.sleep(0.05)
    return False


@asynccontextmanager
async def connect(spec):
    if "url" in spec:
        from mcp.client.streamable_http import streamablehttp_client

        async with streamablehttp_client(spec["url"], headers=spec.get("headers")) as (read, write, _):
            yield read, write
    else:
        env = dict(os.environ)
        env.update(spec.get("env", {}))
        parameters = StdioServerParameters(command=spec["command"], args=spec.get("args", []), env=env)
        async with stdio_client(parameters) as (read, write):
            yield read, write


async def call_tool(session, call):
    timeout = call.get("timeout", 60)
    try:
        result = await session.call_tool(
            call["tool"],
            call.get("arguments", {}),
            read_timeout_seconds=datetime.timedelta(seconds=timeout),
        )
        return content_of(result)
    except Exception as error:  # a protocol error, not a tool result
        return {"protocolError": str(error)}


async def run_step(session, step, list_changed):
    if "list" in step:
        listed = await session.list_tools()
        return {"tools": [tool.name for tool in listed.tools]}
    if "call" in step:
        return await call_tool(session, step["call"])
    if "concurrent" in step:
        return {"results": list(await asyncio.gather(*(call_tool(session, call) for call in step["concurrent"])))}
    if "cancel" in step:
        call = step["cancel"]
        # The session numbers its requests in order: the next one gets this id.
        request_id = session._request_id
        task = asyncio.create_task(call_tool(session, call))
        arrived = await wait_for_log(step["log"], step.get("match", {"tool": call["tool"]}))
        await session.send_notification(
            types.ClientNotification(
                types.CancelledNotification(
                    params=types.CancelledNotificationParams(requestId=request_id, reason="the test cancels it")
                )
            )
        )
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return {"request": request_id, "arrived": arrived}
    if "waitForLog" in step:
        return {"found": await wait_for_log(step["waitForLog"], step.get("match", {}))}
    if "write" in step:
        with open(step["write"], "w", encoding="utf-8") as file:
            file.write(step["text"])
        return {}
    if "hangup" in step:
        pid = log_lines(step["hangup"])[-1]["ppid"]
        os.kill(pid, signal.SIGHUP)
        return {"pid": pid}
    if "waitForListChanged" in step:
        try:
            await asyncio.wait_for(list_changed.wait(), step["waitForListChanged"])
            arrived = True
        except asyncio.TimeoutError:
            arrived = False
        list_changed.clear()
        return {"listChanged": arrived}
    raise ValueError(f"unknown step {step}")


async def main(spec):
    output = {"tools": [], "prompts": [], "results": []}
    list_changed = asyncio.Event()

    async def on_message(message):
        if isinstance(message, types.ServerNotification) and isinstance(
            message.root, types.ToolListChangedNotification
        ):
            list_changed.set()

    async with connect(spec) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
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
                output["results"].append(await call_tool(session, call))
            if "steps" in spec:
                output["steps"] = [await run_step(session, step, list_changed) for step in spec["steps"]]
    print(json.dumps(output))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
