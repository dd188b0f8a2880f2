{
    "name": "EVE Corporation",
    "summary": "EVE Online characters, assets, blueprints, markets, wallet and in-game mail in Odoo (erplink)",
    "version": "1.0.0",
    "category": "Productivity",
    "license": "LGPL-3",
    "author": "erplink",
    "depends": ["base"],
    # erplink's Python binding (pip install erplink, or pip install . from the erplink checkout)
    "external_dependencies": {"python": ["erplink"]},
    "data": [
        "security/eve_security.xml",
        "security/ir.model.access.csv",
        "data/ir_config_parameter.xml",
        "data/ir_cron.xml",
        "views/eve_views.xml",
        "data/list_views.xml",
        "views/res_users_views.xml",
        "views/eve_menus.xml",
    ],
    "installable": True,
    "application": True,
}
