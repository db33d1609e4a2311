"""Custom actions of the parcours assistant: one module per concern.

Actions never open the database: they call the backend API through ``backend_client``.
"""
