"""The bottom layer: where everything is, the settings a deployment gives, and the warehouse
file's own life (built, published, locked). It imports no other package of the project, and
every other package may import it (docs/architecture.md)."""
