{
    "name": "Cartona Connector (erplink)",
    "version": "1.0.0",
    "summary": "Keeps the Cartona B2B marketplace in step with Odoo: prices and stock pushed through a "
               "durable outbox, orders pulled and acknowledged, statuses both ways",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "erplink",
    "depends": ["sale_stock"],
    "external_dependencies": {"python": ["erplink"]},
    "data": [
        "security/ir.model.access.csv",
        "views/cartona_views.xml",
        "views/product_views.xml",
        "views/sale_views.xml",
        "data/cartona_data.xml",
    ],
    "installable": True,
    "application": True,
}
