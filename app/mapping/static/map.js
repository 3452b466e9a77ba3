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

  // Enterprises: data.p = [[lon, lat, level_index, id], ...], data.n = names in the same order.
  SK.enterprises = function (data, o) {
    pending += 1; // released by chunkProgress once the group is on the map, even when it is empty
    var group = L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: 500, // big slices: 50 000 markers load in a few of them, the page stays responsive
      chunkDelay: 1,
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      chunkProgress: function (done, total) {
        if (done === total) { pending -= 1; setTimeout(ready, 0); }
      },
      iconCreateFunction: function (cluster) {
        var worst = -1;
        var children = cluster.getAllChildMarkers();
        for (var i = 0; i < children.length && worst < 3; i++) {
          var l = children[i].options.skl;
          if (l < 4 && l > worst) worst = l;
        }
        var n = cluster.getChildCount();
        return L.divIcon({
          html: "<div><span>" + n + "</span></div>",
          className: "marker-cluster sk-cluster sk-cluster-l" + (worst < 0 ? 4 : worst),
          iconSize: L.point(40, 40),
        });
      },
    });
    var markers = new Array(data.p.length);
    for (var i = 0; i < data.p.length; i++) {
      var r = data.p[i];
      markers[i] = L.circleMarker([r[1], r[0]], {
        radius: 6, color: "#fff", weight: 1.5, fillColor: o.colours[r[2]], fillOpacity: 0.95,
        className: "sk-ent sk-ent-l" + r[2], skl: r[2], ski: i,
      });
    }
    // One shared popup instead of one per marker: 50 000 markers stay cheap.
    group.on("click", function (e) {
      var i = e.layer.options.ski;
      var r = data.p[i];
      var html = "<b>" + esc(data.n[i]) + "</b><br>企业风险等级：" + esc(o.labels[r[2]]);
      if (o.link !== null) html += '<br><a href="' + esc(o.link + "/enterprises/" + r[3]) + '" target="_top">企业详情</a>';
      L.popup().setLatLng(e.latlng).setContent(html).openOn(e.target._map);
    });
    group.addLayers(markers);
    return group;
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
