// The atlas choropleth. Progressive enhancement: the page's table already holds every
// number; this draws them on vendored Natural Earth shapes (no tile server, no network
// beyond this site). Countries with entries are keyboard-focusable buttons: focus or
// hover shows the count, Enter or click lists the entries in the panel below the map.
(function () {
  "use strict";

  var COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]; // ColorBrewer Blues
  var NONE = "#f2f2f2";
  var RESEARCHED = "#d9d9d9";

  function classIndex(count, classes) {
    for (var i = 0; i < classes.length; i++) {
      var high = classes[i][1];
      if (count >= classes[i][0] && (high === null || count <= high)) return i;
    }
    return classes.length - 1;
  }

  function queryString(query) {
    var params = new URLSearchParams();
    Object.keys(query).forEach(function (key) { params.set(key, query[key]); });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function showPanel(panel, data, code, name) {
    var labels = data.labels;
    panel.replaceChildren(el("p", labels.loading));
    var url = container.getAttribute("data-api") + code + "/" + queryString(data.query);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        // A failed request is an error, never "nothing matches" (which would be a lie).
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        var heading = el("h2", data.count_labels[code] || name);
        var list = el("ul");
        (body.examples || []).forEach(function (example) {
          var item = el("li");
          var path = "/atlas/examples/" + example.id + "/" + example.slug + "/";
          item.appendChild(el("a", example.title, { href: path }));
          var category = data.category_names[example.category] || example.category;
          item.appendChild(document.createTextNode(" (" + category + ")"));
          list.appendChild(item);
        });
        var more = el("p");
        more.appendChild(el("a", labels.country_page, {
          href: data.country_url.replace("XX", code),
        }));
        panel.replaceChildren(heading, body.examples.length ? list : el("p", labels.empty), more);
      })
      .catch(function () {
        panel.replaceChildren(el("p", labels.error, { class: "error", role: "alert" }));
      });
  }

  // Rings that cross the antimeridian (Russia's far east, Fiji) would be drawn as bands
  // across the whole map; moving their western half past 180° keeps each ring whole.
  function unwrapRing(ring) {
    var west = false, east = false;
    ring.forEach(function (point) { if (point[0] < -170) west = true; if (point[0] > 170) east = true; });
    if (!(west && east)) return ring;
    return ring.map(function (point) { return point[0] < 0 ? [point[0] + 360, point[1]] : point; });
  }

  function unwrapAntimeridian(feature) {
    var geometry = feature.geometry;
    if (!geometry) return;
    if (geometry.type === "Polygon") geometry.coordinates = geometry.coordinates.map(unwrapRing);
    if (geometry.type === "MultiPolygon") {
      geometry.coordinates = geometry.coordinates.map(function (polygon) { return polygon.map(unwrapRing); });
    }
  }

  var container = document.getElementById("atlas-map");
  var dataNode = document.getElementById("atlas-map-data");
  if (!container || !dataNode || !window.L || !window.topojson) return;
  var data = JSON.parse(dataNode.textContent);
  var panel = document.getElementById("atlas-panel");
  var researched = {};
  data.none_found.forEach(function (code) { researched[code] = true; });

  var map = L.map(container, {
    worldCopyJump: false,
    minZoom: 1,
    maxZoom: 6,
    zoomSnap: 0.5,
    attributionControl: true,
    keyboard: true,
  }).setView([30, 10], 1.5);
  map.attributionControl.setPrefix(false);
  // Strings in scripts come from Django's JavaScript catalogue (/jsi18n/, djangojs.po).
  var gettext = window.gettext || function (text) { return text; };
  map.attributionControl.addAttribution("Natural Earth (" + gettext("public domain") + ") · Leaflet");
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", document.getElementById("atlas-headline").textContent);

  fetch(container.getAttribute("data-shapes"))
    .then(function (response) { return response.json(); })
    .then(function (topology) {
      var shapes = topojson.feature(topology, topology.objects.countries);
      shapes.features = shapes.features.filter(function (f) { return f.id !== "010"; }); // Antarctica
      shapes.features.forEach(unwrapAntimeridian);
      var layer = L.geoJSON(shapes, {
        style: function (feature) {
          var code = data.numeric[feature.id];
          var count = data.countries[code] || 0;
          if (count) {
            return { fillColor: COLOURS[classIndex(count, data.classes)], fillOpacity: 1, color: "#4a5360", weight: 0.8 };
          }
          if (researched[code]) {
            return { fillColor: RESEARCHED, fillOpacity: 1, color: "#333", weight: 1.2, dashArray: "3 3" };
          }
          return { fillColor: NONE, fillOpacity: 1, color: "#9aa3ad", weight: 0.5 };
        },
        onEachFeature: function (feature, shape) {
          var code = data.numeric[feature.id];
          var count = data.countries[code] || 0;
          var name = data.names[code] || feature.properties.name;
          if (!count && !researched[code]) return;
          var label = count ? data.count_labels[code] : name + ": " + data.labels.none_found;
          shape.bindTooltip(label, { sticky: true });
          shape.on("add", function () {
            var path = shape.getElement();
            if (!path) return;
            path.setAttribute("data-country", code);
            if (!count) return;
            path.setAttribute("tabindex", "0");
            path.setAttribute("role", "button");
            path.setAttribute("aria-label", label);
            path.addEventListener("focus", function () { shape.openTooltip(); });
            path.addEventListener("blur", function () { shape.closeTooltip(); });
            path.addEventListener("keydown", function (event) {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                showPanel(panel, data, code, name);
              }
            });
          });
          if (count) shape.on("click", function () { showPanel(panel, data, code, name); });
        },
      }).addTo(map);
      container.setAttribute("data-ready", "true");
      return layer;
    });
})();
