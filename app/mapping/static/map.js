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
    if (pending !== 0) return;
    document.body.setAttribute("data-sk-ready", "1");
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

  // Enterprises: data from builder._points_payload, n points sorted by id: xy = base64 of 3-byte
  // big-endian offsets (lon, lat) in 1/q degree from (x0, y0); l = one level digit a point; id = base64 of
  // the id deltas as varints; names/codes only when the page carries them (else o.names: {api} or {file}).
  function decode(d) {
    var n = d.n, lon = new Float64Array(n), lat = new Float64Array(n), lvl = new Uint8Array(n);
    var ids = new Float64Array(n), b = atob(d.xy), i, j;
    for (i = 0, j = 0; i < n; i++, j += 6) {
      lon[i] = (d.x0 + ((b.charCodeAt(j) << 16) | (b.charCodeAt(j + 1) << 8) | b.charCodeAt(j + 2))) / d.q;
      lat[i] = (d.y0 + ((b.charCodeAt(j + 3) << 16) | (b.charCodeAt(j + 4) << 8) | b.charCodeAt(j + 5))) / d.q;
      lvl[i] = d.l.charCodeAt(i) - 48;
    }
    b = atob(d.id);
    var id = 0;
    for (i = 0, j = 0; i < n; i++) {
      var v = 0, mul = 1, c;
      do { c = b.charCodeAt(j++); v += (c & 127) * mul; mul *= 128; } while (c & 128);
      id += v;
      ids[i] = id;
    }
    return { n: n, lon: lon, lat: lat, lvl: lvl, ids: ids };
  }

  // Names of the enterprises by index: filled from the page, a side script (SK.addNames) or the server.
  var sideNames = null, sideWaiting = [];
  SK.addNames = function (d) {
    sideNames = d;
    sideWaiting.splice(0).forEach(function (f) { f(); });
  };

  function Names(d, o) {
    this.n = d.n;
    this.api = o.names && o.names.api;
    this.file = o.names && o.names.file;
    this.names = d.names || new Array(d.n);
    this.codes = d.codes || new Array(d.n);
    this.loaded = !!d.names;
    this.problem = null;
  }

  // The side file is read when a name is first needed (a tooltip, a popup, the search box): it is large
  // and the map draws without it. By a <script>: fetch() cannot read a file:// page's neighbours.
  Names.prototype.loadFile = function () {
    if (!this.file || this.loaded || this.started) return;
    this.started = true;
    var self = this;
    sideWaiting.push(function () {
      if (!sideNames) return;
      if (sideNames.n !== self.n) {
        self.problem = "企业名称文件 " + self.file + " 与本地图不符（不是同一次导出）";
        return;
      }
      self.names = sideNames.names;
      self.codes = sideNames.codes;
      self.loaded = true;
    });
    var s = document.createElement("script");
    s.src = this.file;
    s.onerror = function () {
      self.problem = "未能读取企业名称文件 " + self.file + "，请把它与地图文件放在同一文件夹";
      sideWaiting.splice(0).forEach(function (f) { f(); });
    };
    document.head.appendChild(s);
  };

  Names.prototype.get = function (i) { return this.names[i]; };

  // Calls done() once the names of `indices` are known (or cannot be had).
  Names.prototype.need = function (ents, indices, done) {
    if (this.api) { this.fetchIds(ents, indices, done); return; }
    if (this.loaded) { done(); return; }
    this.loadFile();
    if (!this.problem) sideWaiting.push(done);
  };

  // The server answers only for the enterprises this user may read; ids asked for once.
  Names.prototype.fetchIds = function (ents, indices, done) {
    var want = indices.filter(function (i) { return this.names[i] === undefined; }, this);
    if (!this.api || !want.length) { if (done) done(); return; }
    var self = this, left = 0;
    for (var k = 0; k < want.length; k += 200) {
      var part = want.slice(k, k + 200);
      part.forEach(function (i) { self.names[i] = null; });
      left += 1;
      var ids = part.map(function (i) { return ents._p.ids[i]; }).join(",");
      fetch(this.api + "?ids=" + ids, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { self._store(ents, body.items); })
        .catch(function () {})
        .then(function () { left -= 1; if (left === 0 && done) done(); });
    }
  };

  Names.prototype._store = function (ents, items) {
    var out = [];
    items.forEach(function (e) {
      var i = ents.indexOf(e.id);
      if (i < 0) return;
      this.names[i] = e.name;
      this.codes[i] = e.credit_code || "";
      out.push(i);
    }, this);
    return out;
  };

  // Up to `limit` indices whose name holds q (or whose credit code starts with it); exact names first.
  Names.prototype.search = function (ents, q, limit, done) {
    var self = this;
    if (this.api) {
      fetch(this.api + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) { done(self._store(ents, body.items).slice(0, limit)); })
        .catch(function () { done(null, "查询失败，请稍后重试"); });
      return;
    }
    if (!this.loaded) {
      this.loadFile();
      if (this.problem) { done(null, this.problem); return; }
      sideWaiting.push(function () { self.search(ents, q, limit, done); });
      done(null, "正在读取企业名称…");
      return;
    }
    var code = q.toUpperCase(), hits = [];
    for (var i = 0; i < this.n; i++) {
      var name = this.names[i];
      if ((name && name.indexOf(q) >= 0) || (this.codes[i] && this.codes[i].indexOf(code) === 0)) hits.push(i);
    }
    hits.sort(function (a, b) {
      return (self.names[b] === q) - (self.names[a] === q) || self.names[a].length - self.names[b].length || a - b;
    });
    done(hits.slice(0, limit));
  };

  // Web-Mercator pixel coordinates at zoom 0 (a 256 px world), as Leaflet's EPSG3857 projects them.
  function worldPixels(p) {
    var wx = new Float64Array(p.n), wy = new Float64Array(p.n), max = 85.0511287798;
    for (var i = 0; i < p.n; i++) {
      var phi = Math.max(-max, Math.min(max, p.lat[i])) * Math.PI / 180;
      wx[i] = (p.lon[i] + 180) / 360 * 256;
      wy[i] = (1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2 * 256;
    }
    p.wx = wx;
    p.wy = wy;
  }

  // One zoom's clusters: points in the same cell (o.grid[2] px; a cell at zoom z is four at z + 1, so
  // clusters only split when zooming in) form one cluster at their mean; a point alone stays a marker.
  function gridAt(p, zoom, cell) {
    var scale = Math.pow(2, zoom) / cell, cells = new Map(), i;
    for (i = 0; i < p.n; i++) {
      var key = Math.floor(p.wx[i] * scale) * 16777216 + Math.floor(p.wy[i] * scale);
      var c = cells.get(key);
      if (!c) { c = { i: i, n: 0, x: 0, y: 0, k: [0, 0, 0, 0, 0] }; cells.set(key, c); }
      c.n += 1; c.x += p.lon[i]; c.y += p.lat[i]; c.k[p.lvl[i]] += 1;
    }
    var clusters = [], alone = [];
    cells.forEach(function (c) {
      if (c.n > 1) clusters.push({ at: L.latLng(c.y / c.n, c.x / c.n), n: c.n, k: c.k });
      else alone.push(c.i);
    });
    return { clusters: clusters, alone: alone };
  }

  // With o.grid (many points) the browser draws, up to o.grid[1], its own grid clusters within the view;
  // zoomed in further only the points near the view go into markercluster, so it never clusters them all.
  var Enterprises = L.Layer.extend({
    initialize: function (data, o) {
      this._p = decode(data);
      this._o = o;
      this._names = new Names(data, o);
      this._lastGrid = o.grid ? o.grid[1] : -1;
      this._grids = {};
      this._drawn = {};
      this._filling = false;
      this._onFilled = [];
      this._grid = L.featureGroup().on("click", this._click, this);
      var self = this;
      this._mc = L.markerClusterGroup({
        chunkedLoading: true,
        chunkInterval: 500,
        chunkDelay: 1,
        showCoverageOnHover: false,
        // On the map of one area (outline) only markers that would cover each other are grouped.
        maxClusterRadius: o.outline ? 16 : 45,
        chunkProgress: function (done, total) {
          if (done !== total) return;
          self._filling = false;
          self._onFilled.splice(0).forEach(function (f) { f(); });
          pending -= 1;
          setTimeout(ready, 0);
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
      this._home = map;
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
      this._drawn = {};
    },

    // The index of an enterprise id (ids are sorted), or -1.
    indexOf: function (id) {
      var ids = this._p.ids, lo = 0, hi = ids.length - 1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (ids[mid] === id) return mid;
        if (ids[mid] < id) lo = mid + 1; else hi = mid - 1;
      }
      return -1;
    },

    _update: function () {
      var map = this._map;
      var zoom = map.getZoom();
      var mode = zoom <= this._lastGrid ? zoom : "mc";
      var view = map.getBounds();
      var shown = this._shown;
      if (shown && shown.mode === mode && (shown.area === null || shown.area.contains(view))) return;
      // Draw a little beyond the view, so that small pans need no redraw.
      var area = this._o.grid ? view.pad(0.5) : null;
      this._shown = { mode: mode, area: area };
      map.removeLayer(this._grid);
      this._grid.clearLayers();
      map.removeLayer(this._mc);
      this._mc.clearLayers();
      this._drawn = {};
      if (mode === "mc") this._fillCluster(area);
      else this._fillGrid(zoom, area);
    },

    _tip: function (i) {
      var name = this._names.get(i);
      return (name ? esc(name) : "企业") + "<br>" + esc(this._o.labels[this._p.lvl[i]]);
    },

    _marker: function (i) {
      var self = this;
      var m = L.marker([this._p.lat[i], this._p.lon[i]], {
        icon: entIcon(this._p.lvl[i], this._o), skl: this._p.lvl[i], ski: i, keyboard: false,
      }).bindTooltip(function () { return self._tip(i); }, { direction: "top" });
      if (!this._names.loaded) {
        m.on("tooltipopen", function (e) {
          self._names.need(self, [i], function () { e.tooltip.setContent(self._tip(i)); });
        });
      }
      this._drawn[i] = m;
      return m;
    },

    _fillCluster: function (area) {
      var p = this._p;
      var markers = [];
      for (var i = 0; i < p.n; i++) {
        if (area === null || area.contains([p.lat[i], p.lon[i]])) markers.push(this._marker(i));
      }
      // Queued while the group is off the map, then clustered in chunks as it is added; chunkProgress
      // reports the end once, even when there are no markers.
      this._mc.addLayers(markers);
      pending += 1;
      this._filling = true;
      this._map.addLayer(this._mc);
    },

    _fillGrid: function (zoom, area) {
      if (!this._p.wx) worldPixels(this._p);
      var g = this._grids[zoom] || (this._grids[zoom] = gridAt(this._p, zoom, this._o.grid[2]));
      var layers = [], p = this._p, j;
      for (j = 0; j < g.clusters.length; j++) {
        var c = g.clusters[j];
        if (!area.contains(c.at)) continue;
        var k = c.k, worst = worstOf(k);
        layers.push(
          L.marker(c.at, { icon: clusterIcon(c.n, worst), skc: true }).bindTooltip(
            c.n + " 家企业<br>最高等级：" + esc(this._o.labels[worst]) + "<br>" +
              countsLine([k[3], k[2], k[1], k[0], k[4]], this._o.labels),
            { direction: "top" }
          )
        );
      }
      for (j = 0; j < g.alone.length; j++) {
        var i = g.alone[j];
        if (area.contains([p.lat[i], p.lon[i]])) layers.push(this._marker(i));
      }
      layers.forEach(this._grid.addLayer, this._grid);
      this._map.addLayer(this._grid);
    },

    // A grid cluster zooms in two levels (its cell becomes 4× wider); a marker opens one shared popup
    // instead of one per marker.
    _click: function (e) {
      var map = this._map;
      if (e.layer.options.skc) {
        map.setView(e.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
        return;
      }
      this._popup(e.layer.options.ski, e.latlng);
    },

    _popup: function (i, latlng) {
      var self = this;
      this._names.need(this, [i], function () {
        var name = self._names.get(i);
        var html = "<b>" + esc(name || "企业") + "</b><br>企业风险等级：" + esc(self._o.labels[self._p.lvl[i]]);
        if (self._o.link !== null) {
          html += '<br><a href="' + esc(self._o.link + "/enterprises/" + self._p.ids[i]) + '" target="_top">企业详情</a>';
        }
        L.popup().setLatLng(latlng).setContent(html).openOn(self._home);
      });
    },

    // Zoom to one enterprise as a single marker (fanned out if others share its address), popup open.
    reveal: function (i) {
      var map = this._home, self = this;
      if (!this._map) map.addLayer(this);
      map.setView([this._p.lat[i], this._p.lon[i]], map.getMaxZoom(), { animate: false });
      function show() {
        var m = self._drawn[i];
        if (!m) return;
        self._mc.zoomToShowLayer(m, function () { self._popup(i, m.getLatLng()); });
      }
      if (this._filling) this._onFilled.push(show); else show();
    },
  });


  SK.enterprises = function (data, o) {
    var layer = new Enterprises(data, o);
    SK._enterprises = layer;
    return layer;
  };

  // A box that finds enterprises by name or 统一社会信用代码 and zooms to the one picked (Enter: the first).
  function searchControl(map, ents) {
    var form = L.DomUtil.create("form", "sk-search");
    form.setAttribute("role", "search");
    form.setAttribute("data-sk", "search");
    var input = L.DomUtil.create("input", "", form);
    input.type = "search";
    input.placeholder = "查找企业：名称或信用代码";
    input.setAttribute("aria-label", "查找企业（名称或统一社会信用代码）");
    input.autocomplete = "off";
    var status = L.DomUtil.create("div", "sk-search-status", form);
    status.setAttribute("aria-live", "polite");
    var list = L.DomUtil.create("ul", "sk-search-results", form);
    var found = [], timer = null, asked = 0;

    function pick(i) {
      list.innerHTML = "";
      status.textContent = "";
      ents.reveal(i);
    }

    function show(q, hits, note) {
      list.innerHTML = "";
      found = hits || [];
      status.textContent = note || (found.length ? "" : "未找到名称含“" + q + "”的企业");
      found.forEach(function (i) {
        var li = L.DomUtil.create("li", "", list);
        var b = L.DomUtil.create("button", "", li);
        b.type = "button";
        b.style.borderLeftColor = ents._o.colours[ents._p.lvl[i]];
        b.textContent = (ents._names.get(i) || "企业") + "（" + ents._o.short[ents._p.lvl[i]] + "）";
        // Stopped here: pick() empties the list, and a click from a detached button would reach the map
        // as a click on the map, which closes the popup just opened.
        L.DomEvent.on(b, "click", function (e) { L.DomEvent.stop(e); pick(i); });
      });
    }

    function run() {
      var q = input.value.trim();
      var mine = ++asked;
      if (!q) { show(q, [], " "); return; }
      ents._names.search(ents, q, 10, function (hits, note) {
        if (mine === asked) show(q, hits, note);
      });
    }

    L.DomEvent.on(input, "focus", function () { ents._names.loadFile(); });
    L.DomEvent.on(input, "input", function () { clearTimeout(timer); timer = setTimeout(run, 200); });
    L.DomEvent.on(form, "submit", function (e) {
      L.DomEvent.preventDefault(e);
      clearTimeout(timer);
      if (found.length) pick(found[0]); else run();
    });
    asControl(map, form, "topleft");
    return form;
  }

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
    var ents = SK._enterprises;
    if (ents) {
      // Below the title, above the zoom buttons.
      ents._home = map;
      var form = searchControl(map, ents);
      var left = form.parentNode;
      left.insertBefore(form, title ? title.nextSibling : left.firstChild);
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
