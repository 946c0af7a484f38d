"""The municipality's knowledge: departments, products (by UPL name), other organisations.

Knowledge is data (`data/catalogue/`), read once by one loader shared by the bot service
and the action server. A maintainer adds a product by editing YAML, never Python.
"""
from .model import (
    CASE_SLOTS,
    CaseField,
    CaseSpec,
    CaseType,
    Catalogue,
    CatalogueError,
    Department,
    Organisation,
    Problem,
    Product,
    slug,
)
from .loader import load_catalogue

__all__ = [
    "CASE_SLOTS",
    "CaseField",
    "CaseSpec",
    "CaseType",
    "Catalogue",
    "CatalogueError",
    "Department",
    "Organisation",
    "Problem",
    "Product",
    "load_catalogue",
    "slug",
]
