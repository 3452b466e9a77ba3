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

  // Region polygons filled by level, each named on the map with its level in words (Labels below);
  // the tooltip adds the count per level. With o.outline the region is the map's own area: only a light
  // fill, the enterprise markers carry the colours.
  SK.regions = function (fc, o) {
    var polygons = L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        return {
          fillColor: o.colours[p.l], fillOpacity: o.outline ? 0.15 : 0.55, color: "#444",
          weight: o.outline ? 2 : 1, className: "sk-region sk-region-l" + p.l,
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
    return L.featureGroup([polygons, new Labels(polygons, o)]);
  };

  // Region names, drawn where the builder put them (properties.p). After every zoom the labels are placed
  // largest region first; one that would overlap a placed label, or is wider than its region on screen,
  // is hidden (the region's tooltip still names it).
  var Labels = L.Layer.extend({
    initialize: function (polygons, o) {
      this._polygons = polygons;
      this._o = o;
    },

    onAdd: function (map) {
      if (!map.getPane("skLabels")) {
        var pane = map.createPane("skLabels");
        // Above the polygons (400) and markers (600), so clusters do not hide the names; below tooltips
        // (650) and popups. The pane never catches the pointer: markers under a name stay clickable.
        pane.style.zIndex = 620;
        pane.style.pointerEvents = "none";
      }
      var o = this._o;
      var items = [];
      this._group = L.layerGroup();
      this._polygons.eachLayer(function (layer) {
        var p = layer.feature.properties;
        var at = p.p ? L.latLng(p.p[1], p.p[0]) : layer.getBounds().getCenter();
        var b = layer.getBounds();
        var nw = map.project(b.getNorthWest(), 0);
        var se = map.project(b.getSouthEast(), 0);
        var marker = L.marker(at, {
          pane: "skLabels", interactive: false, keyboard: false,
          icon: L.divIcon({
            className: "sk-label", iconSize: null,
            html: "<span>" + esc(p.n) + "<small>" + esc(o.labels[p.l]) + "</small></span>",
          }),
        });
        items.push({ marker: marker, at: at, w0: se.x - nw.x, h0: se.y - nw.y });
        this._group.addLayer(marker);
      }, this);
      items.sort(function (a, b) { return b.w0 * b.h0 - a.w0 * a.h0; });
      this._items = items;
      this._group.addTo(map);
      map.on("zoomend", this._place, this);
      this._place();
      var self = this;
      if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { self._place(true); });
    },

    onRemove: function (map) {
      map.off("zoomend", this._place, this);
      map.removeLayer(this._group);
    },

    _place: function (remeasure) {
      remeasure = remeasure === true;
      var map = this._map;
      if (!map) return;
      var scale = Math.pow(2, map.getZoom());
      var items = this._items.filter(function (item) { return item.marker.getElement(); });
      // Sizes are measured once, all together (one layout), and again when the fonts have loaded
      // (remeasure), so a late font does not leave labels placed by the fallback font's widths.
      var unmeasured = items.filter(function (item) { return remeasure || !item.w; });
      unmeasured.forEach(function (item) { item.marker.getElement().style.display = ""; });
      unmeasured.forEach(function (item) {
        var span = item.marker.getElement().firstChild;
        item.w = span.offsetWidth;
        item.h = span.offsetHeight;
      });
      var placed = [];
      items.forEach(function (item) {
        var c = map.latLngToLayerPoint(item.at);
        var w = item.w, h = item.h;
        var box = { x0: c.x - w / 2 - 2, y0: c.y - h / 2 - 2, x1: c.x + w / 2 + 2, y1: c.y + h / 2 + 2 };
        var fits = w <= item.w0 * scale * 1.1 && h <= item.h0 * scale * 1.5;
        var free = placed.every(function (q) {
          return box.x1 < q.x0 || box.x0 > q.x1 || box.y1 < q.y0 || box.y0 > q.y1;
        });
        var show = fits && free;
        item.marker.getElement().style.display = show ? "" : "none";
        if (show) placed.push(box);
      });
    },
  });

  function worstOf(k) {
    for (var l = 3; l >= 0; l--) if (k[l] > 0) return l;
    return 4;
  }

  // One icon per level: a round marker in the level's colour with the level's word in it.
  var entIcons = {};
  function entIcon(l, o) {
    if (!entIcons[l]) {
      // Larger on the map of one area (outline), where each enterprise is the content.
      var size = o.outline ? 22 : 18;
      entIcons[l] = L.divIcon({
        html: esc(o.short[l]), iconSize: L.point(size, size),
        className: "sk-ent sk-ent-l" + l + " sk-l" + l + (o.outline ? " sk-ent-big" : ""),
      });
    }
    return entIcons[l];
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
        // On the map of one area (outline) only markers that would cover each other are grouped.
        maxClusterRadius: o.outline ? 16 : 45,
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
      return L.marker([r[1], r[0]], { icon: entIcon(r[2], this._o), skl: r[2], ski: i, keyboard: false })
        .bindTooltip(esc(this._d.n[i]) + "<br>" + esc(this._o.labels[r[2]]), { direction: "top" });
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
      // Drawn to the upper right of its place, so the enterprise marker at the same spot stays readable.
      var icon = L.divIcon({
        html: o.symbol, className: "sk-point " + o.cls, iconSize: L.point(22, 22), iconAnchor: L.point(-4, 26),
      });
      var html = "<b>" + esc(r[2]) + "</b>" + (r[3] ? "<br>" + esc(r[3]) : "");
      if (r[4] && o.link !== null) html += '<br><a href="' + esc(o.link + r[4]) + '" target="_top">详情</a>';
      L.marker([r[1], r[0]], { icon: icon, title: r[2] }).bindPopup(html).addTo(group);
    });
    return group;
  };

  // The controls in the map's corners, none covering another: the title (moved in from the page) above
  // the zoom buttons top left, the layer list top right, a metric scale bottom left, the legend (moved in
  // too) bottom right. Where the map is narrow (a phone) the layer list and the legend are folded into
  // buttons, opened by a tap; crossing the width again folds or unfolds them.
  var NARROW = "(max-width: 600px)";

  function asControl(map, el, position) {
    L.DomEvent.disableClickPropagation(el);
    L.DomEvent.disableScrollPropagation(el);
    var C = L.Control.extend({ onAdd: function () { return el; } });
    return new C({ position: position }).addTo(map);
  }

  SK.layout = function (map, layers) {
    var title = document.querySelector("[data-sk=title]");
    var legend = document.querySelector("[data-sk=legend]");
    if (title) {
      asControl(map, title, "topleft");
      var corner = title.parentNode;
      corner.insertBefore(title, corner.firstChild);
    }
    L.control.scale({ metric: true, imperial: false, position: "bottomleft", maxWidth: 120 }).addTo(map);
    if (legend) asControl(map, legend, "bottomright");
    var narrow = window.matchMedia ? window.matchMedia(NARROW) : { matches: false };

    function fit() {
      if (legend) legend.open = !narrow.matches;
      if (layers.options.collapsed !== narrow.matches) {
        map.off("click", layers.collapse, layers);
        layers.remove();
        layers.options.collapsed = narrow.matches;
        layers.addTo(map);
      }
      var toggle = layers.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) {
        toggle.title = "图层";
        toggle.setAttribute("aria-label", "图层");
      }
    }
    fit();
    if (narrow.addEventListener) narrow.addEventListener("change", fit);
  };

  document.addEventListener("DOMContentLoaded", function () { setTimeout(ready, 0); });
})();
