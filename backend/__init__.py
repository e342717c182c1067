"""Quizwire's deployable AWS backend: DynamoDB store, Lambda handlers, SAM template.

The game rules live in :mod:`quizwire`; this package only adds the DynamoDB store, the
stateless orchestration a Lambda needs, and the handlers. ``template.yaml`` beside it deploys it.
"""
