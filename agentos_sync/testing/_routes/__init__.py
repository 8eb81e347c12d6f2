"""The fake AgentOS's routes, one module per area as the client's resources are grouped; each
module exports ``ROUTES``, a tuple of `Route` records (method, path template, handler function).
The router (``.._router``) composes them into the one table it reads; importing a module here
registers nothing (see docs/architecture.md, 'The fake server')."""
