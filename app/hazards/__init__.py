"""隐患排查治理: hazard register, rectification and acceptance, 双报告, 举报 intake, ledgers, 排查 tasks."""

from app.hazards import levels, map_layer

levels.install()
map_layer.install()
