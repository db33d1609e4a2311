"""Local fakes of external providers, speaking their real wire formats over real HTTP."""
