"""安全风险分级管控: risk points, assessments, control measures, 重大危险源, accidents."""

from app.risks import map_layer

map_layer.install()
