"""StyleCut: a timeline video editor hosting a phone-exact neural style-transfer effect."""

__version__ = "0.1.0"
