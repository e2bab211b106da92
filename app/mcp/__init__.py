"""The Model Context Protocol at /mcp: the candidate as tools and resources for AI assistants.

`transport` is the Flask blueprint (Streamable HTTP, one JSON answer per POST, no sessions);
`protocol` decides which protocol revision a request speaks; `methods` answers the JSON-RPC
methods; `tools` and `resources` are what this server offers. Every message is parsed and
validated with the official `mcp_types` models (the MCP SDK's `mcp.types`), per revision.
"""
