"""``quizwire stub --backend lambda``: the deployable backend (``backend/``) run locally.

The stub's Event API plays AppSync with the namespaces, handlers and authorizer of
``backend/template.yaml``; the Python Lambda handlers run in worker processes; DynamoDB is
moto's server (with DynamoDB's per-partition throughput enforced); the entry and admin routes
are API Gateway's, mapped to their functions. The template is the single source of truth.
"""
