"""区域安全风险四色分布图: Folium maps served with local assets only (no CDN, no default web tiles)."""
