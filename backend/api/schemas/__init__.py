"""Response models of the JSON API, one module per resource (the routes in ``backend/api/routes``
keep their request bodies beside them). They describe exactly what the routes return: the same
field names and values the clients and tests read, now typed in the OpenAPI document.

Times are ISO 8601 strings as the routes write them (``datetime.isoformat()``), not pydantic
datetimes, whose serialisation would differ (``Z`` for ``+00:00``).
"""
