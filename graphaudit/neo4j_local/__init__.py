"""A throwaway local Neo4j Community server for tests, benchmarks and ``graphaudit neo4j start``: jars from
Maven Central (``server``), and its command line
(``cli``; ``python -m graphaudit.neo4j_local fetch|start|stop|status``)."""
