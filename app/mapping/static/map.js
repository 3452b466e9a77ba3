/* shuangkong four-colour risk map: builds the layers from compact arrays written by app/mapping/builder.py.
   Level index: 0 blue, 1 yellow, 2 orange, 3 red, 4 unrated (未评级). */
(function () {
  "use strict";
  var SK = (window.SK = {});
  var pending = 0;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function ready() {
    if (pending === 0) document.body.setAttribute("data-sk-ready", "1");
  }

  function countsLine(k, labels) {
    var names = ["红", "橙", "黄", "蓝", labels[4]];
    var order = [3, 2, 1, 0, 4];
    return order.map(function (i, j) { return names[j] + " " + (k ? k[j] : 0); }).join(" · ");
  }

  // Region polygons filled by level; the level is also written in the tooltip (not colour alone).
  SK.regions = function (fc, o) {
    return L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        return {
          fillColor: o.colours[p.l], fillOpacity: 0.55, color: "#444", weight: 1,
          className: "sk-region sk-region-l" + p.l,
        };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        var name = esc(p.n) + (p.s ? "（示意）" : "");
        layer.bindTooltip(
          "<b>" + name + "</b><br>等级：" + esc(o.labels[p.l]) + "<br>企业：" + countsLine(p.k, o.labels),
          { sticky: true }
        );
        var html = "<b>" + name + "</b><br>" + esc(o.labels[p.l]);
        if (o.link !== null) {
          html += '<br><a href="' + esc(o.link + "/maps/region/" + p.c) + '" target="_top">查看该区域四色图</a>';
        }
        layer.bindPopup(html);
      },
    });
  };

  function worstOf(k) {
    for (var l = 3; l >= 0; l--) if (k[l] > 0) return l;
    return 4;
  }

  function clusterIcon(n, worst) {
    return L.divIcon({
      html: "<div><span>" + n + "</span></div>",
      className: "marker-cluster sk-cluster sk-cluster-l" + worst,
      iconSize: L.point(40, 40),
    });
  }

  // Enterprises: data.p = [[lon, lat, level_index, id], ...], data.n = names in the same order.
  // data.g: null (few points: markercluster clusters them all) or the server's grids, one per zoom from g.z:
  // g.c[i] = flat [lon, lat, k0, k1, k2, k3, k4, ...] (a cluster and its count per level index) and
  // g.s[i] = indices of points alone in their cell. Zoomed in past the grids, only the points near the
  // view go into markercluster, so the browser never clusters all 50 000 points.
  var Enterprises = L.Layer.extend({
    initialize: function (data, o) {
      this._d = data;
      this._o = o;
      this._lastGrid = data.g ? data.g.z + data.g.c.length - 1 : -1;
      this._grid = L.featureGroup().on("click", this._click, this);
      this._mc = L.markerClusterGroup({
        chunkedLoading: true,
        chunkInterval: 500,
        chunkDelay: 1,
        showCoverageOnHover: false,
        maxClusterRadius: 45,
        chunkProgress: function (done, total) {
          if (done === total) { pending -= 1; setTimeout(ready, 0); }
        },
        iconCreateFunction: function (cluster) {
          var k = [0, 0, 0, 0, 0];
          cluster.getAllChildMarkers().forEach(function (m) { k[m.options.skl] += 1; });
          return clusterIcon(cluster.getChildCount(), worstOf(k));
        },
      }).on("click", this._click, this);
      this._shown = null; // what is drawn: "mc" or the grid zoom, and the bounds it covers
    },

    onAdd: function (map) {
      map.on("moveend", this._update, this);
      this._update();
    },

    onRemove: function (map) {
      map.off("moveend", this._update, this);
      map.removeLayer(this._grid);
      map.removeLayer(this._mc);
      this._grid.clearLayers();
      this._mc.clearLayers();
      this._shown = null;
    },

    _update: function () {
      var map = this._map;
      var zoom = map.getZoom();
      var mode = zoom <= this._lastGrid ? zoom : "mc";
      var view = map.getBounds();
      var shown = this._shown;
      if (shown && shown.mode === mode && (shown.area === null || shown.area.contains(view))) return;
      // Draw a little beyond the view, so that small pans need no redraw.
      var area = this._d.g ? view.pad(0.5) : null;
      this._shown = { mode: mode, area: area };
      map.removeLayer(this._grid);
      this._grid.clearLayers();
      map.removeLayer(this._mc);
      this._mc.clearLayers();
      if (mode === "mc") this._fillCluster(area);
      else this._fillGrid(zoom - this._d.g.z, area);
    },

    _marker: function (i) {
      var r = this._d.p[i];
      return L.circleMarker([r[1], r[0]], {
        radius: 6, color: "#fff", weight: 1.5, fillColor: this._o.colours[r[2]], fillOpacity: 0.95,
        className: "sk-ent sk-ent-l" + r[2], skl: r[2], ski: i,
      }).bindTooltip(esc(this._d.n[i]) + "<br>" + esc(this._o.labels[r[2]]));
    },

    _fillCluster: function (area) {
      var p = this._d.p;
      var markers = [];
      for (var i = 0; i < p.length; i++) {
        if (area === null || area.contains([p[i][1], p[i][0]])) markers.push(this._marker(i));
      }
      // Queued while the group is off the map, then clustered in chunks as it is added; chunkProgress
      // reports the end once, even when there are no markers.
      this._mc.addLayers(markers);
      pending += 1;
      this._map.addLayer(this._mc);
    },

    _fillGrid: function (i, area) {
      var c = this._d.g.c[i];
      var layers = [];
      for (var j = 0; j < c.length; j += 7) {
        var at = L.latLng(c[j + 1], c[j]);
        if (!area.contains(at)) continue;
        var k = c.slice(j + 2, j + 7);
        var n = k[0] + k[1] + k[2] + k[3] + k[4];
        var worst = worstOf(k);
        layers.push(
          L.marker(at, { icon: clusterIcon(n, worst), skc: true }).bindTooltip(
            n + " 家企业<br>最高等级：" + esc(this._o.labels[worst]) + "<br>" +
              countsLine([k[3], k[2], k[1], k[0], k[4]], this._o.labels),
            { direction: "top" }
          )
        );
      }
      var alone = this._d.g.s[i];
      for (j = 0; j < alone.length; j++) {
        var r = this._d.p[alone[j]];
        if (area.contains([r[1], r[0]])) layers.push(this._marker(alone[j]));
      }
      layers.forEach(this._grid.addLayer, this._grid);
      this._map.addLayer(this._grid);
    },

    // A pre-computed cluster zooms in two levels (its cell becomes 4× wider); a marker opens one shared
    // popup instead of one per marker.
    _click: function (e) {
      var map = this._map;
      if (e.layer.options.skc) {
        map.setView(e.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
        return;
      }
      var i = e.layer.options.ski;
      var r = this._d.p[i];
      var html = "<b>" + esc(this._d.n[i]) + "</b><br>企业风险等级：" + esc(this._o.labels[r[2]]);
      if (this._o.link !== null) html += '<br><a href="' + esc(this._o.link + "/enterprises/" + r[3]) + '" target="_top">企业详情</a>';
      L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
    },
  });

  SK.enterprises = function (data, o) {
    return new Enterprises(data, o);
  };

  // Hazards / 重大危险源: items = [[lon, lat, label, detail, url], ...].
  SK.points = function (items, o) {
    var group = L.layerGroup();
    items.forEach(function (r) {
      var icon = L.divIcon({ html: o.symbol, className: "sk-point " + o.cls, iconSize: L.point(22, 22) });
      var html = "<b>" + esc(r[2]) + "</b>" + (r[3] ? "<br>" + esc(r[3]) : "");
      if (r[4] && o.link !== null) html += '<br><a href="' + esc(o.link + r[4]) + '" target="_top">详情</a>';
      L.marker([r[1], r[0]], { icon: icon, title: r[2] }).bindPopup(html).addTo(group);
    });
    return group;
  };

  document.addEventListener("DOMContentLoaded", function () { setTimeout(ready, 0); });
})();
