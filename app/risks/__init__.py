"""安全风险分级管控: risk points, assessments, control measures, 重大危险源, accidents."""
