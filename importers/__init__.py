"""
Importers: one module per source format; each yields records and `store` writes them.
"""
