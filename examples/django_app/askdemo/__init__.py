"""A minimal Django project streaming an AgentOS agent's answer to the browser."""
