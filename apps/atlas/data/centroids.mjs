import fs from "fs";
import * as topojson from "topojson-client";
import { geoArea, geoCentroid } from "d3-geo";
const topo = JSON.parse(fs.readFileSync("node_modules/world-atlas/countries-50m.json"));
const fc = topojson.feature(topo, topo.objects.countries);
const out = {};
for (const f of fc.features) {
  if (f.id === undefined) continue;
  let geom = f.geometry;
  if (!geom) continue;
  // The largest polygon: France's point falls in France, not the Indian Ocean.
  if (geom.type === "MultiPolygon") {
    let best = null, bestArea = -1;
    for (const coords of geom.coordinates) {
      const p = { type: "Polygon", coordinates: coords };
      const a = geoArea(p);
      if (a > bestArea) { bestArea = a; best = p; }
    }
    geom = best;
  }
  const [lon, lat] = geoCentroid({ type: "Feature", geometry: geom, properties: {} });
  out[f.id] = [Math.round(lon * 1000) / 1000, Math.round(lat * 1000) / 1000, f.properties.name];
}
fs.writeFileSync("centroids-numeric.json", JSON.stringify(out));
console.log(Object.keys(out).length);
