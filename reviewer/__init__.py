"""reviewer: tells Quarto book authors which figures their prose fails to explain."""

__version__ = "0.1.0"
