"""The deadlines app's management commands: `liuyan calendar`."""
