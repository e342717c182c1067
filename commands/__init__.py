"""The composition root: the ``quizwire`` command line, the demo and the swarm of simulated
players. It sits above every other package (the stub, both apps, the rules, the client) and
nothing but ``bench`` and ``tests`` imports it; ``python -m quizwire`` starts it too."""
