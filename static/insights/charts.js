/* The participation dashboards' charts (insights/). Each chart's numbers are in a json_script block on the page
   (data-insights-chart names it): the same table that is shown beneath the chart, already suppressed, with
   labels already in the page's language. No inline script and no inline style attribute: ECharts draws on a
   canvas and its tooltips inside it (renderMode 'richText'), which the Content-Security-Policy allows. */
(function () {
  "use strict";

  var PLOTTED = { count: true, number: true, days: true };

  function plotted(table) {
    var out = [];
    table.columns.forEach(function (column, index) {
      if (PLOTTED[column.kind] && column.key !== "total") out.push({ column: column, index: index });
    });
    return out;
  }

  function missing(value) {
    return value === null || value === undefined ? "-" : value;
  }

  function base(panel) {
    return {
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      title: { show: false, text: panel.title }
    };
  }

  function categorical(panel, type, stacked) {
    var table = panel.table;
    var option = base(panel);
    var rows = table.rows.map(function (row) { return row.label; });
    option.xAxis = { type: "category", data: rows, axisLabel: { interval: 0, rotate: rows.length > 8 ? 45 : 0 } };
    option.yAxis = { type: "value" };
    option.tooltip.trigger = "axis";
    option.series = plotted(table).map(function (entry) {
      return {
        name: entry.column.label,
        type: type,
        stack: stacked ? "all" : undefined,
        data: table.rows.map(function (row) { return missing(row.values[entry.index]); })
      };
    });
    return option;
  }

  function funnel(panel) {
    var table = panel.table;
    var option = base(panel);
    var values = table.totals || [];
    option.series = [{
      name: panel.title,
      type: "funnel",
      sort: "none",
      left: "10%",
      width: "80%",
      top: 40,
      label: { show: true, position: "inside" },
      data: table.columns
        .map(function (column, index) { return { column: column, value: values[index] }; })
        .filter(function (entry) { return entry.column.kind === "count" && entry.value !== null && entry.value !== undefined; })
        .map(function (entry) { return { name: entry.column.label, value: entry.value }; })
    }];
    return option;
  }

  function heatmap(panel) {
    var table = panel.table;
    var option = base(panel);
    var columns = plotted(table);
    var data = [];
    var max = 0;
    table.rows.forEach(function (row, y) {
      columns.forEach(function (entry, x) {
        var value = row.values[entry.index];
        if (value !== null && value !== undefined) {
          data.push([x, y, value]);
          if (value > max) max = value;
        }
      });
    });
    option.tooltip.trigger = "item";
    option.legend = undefined;
    option.grid.bottom = 56;
    option.xAxis = { type: "category", data: columns.map(function (e) { return e.column.label; }), axisLabel: { interval: 0, rotate: 45 } };
    option.yAxis = { type: "category", data: table.rows.map(function (row) { return row.label; }), inverse: true };
    option.visualMap = { min: 0, max: Math.max(max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0 };
    option.series = [{ name: panel.title, type: "heatmap", data: data, label: { show: true } }];
    return option;
  }

  function sankey(panel) {
    var table = panel.table;
    var option = base(panel);
    var columns = plotted(table);
    var nodes = {};
    var links = [];
    table.rows.forEach(function (row) {
      columns.forEach(function (entry) {
        var value = row.values[entry.index];
        if (value === null || value === undefined || value <= 0) return;
        // Each institution is on both sides; the arrow keeps a home and a host apart (a Sankey has no cycles).
        var source = row.label + " \u2192";
        var target = "\u2192 " + entry.column.label;
        nodes[source] = true;
        nodes[target] = true;
        links.push({ source: source, target: target, value: value });
      });
    });
    option.legend = undefined;
    option.series = [{
      name: panel.title,
      type: "sankey",
      top: 16,
      bottom: 16,
      emphasis: { focus: "adjacency" },
      data: Object.keys(nodes).map(function (name) { return { name: name }; }),
      links: links
    }];
    return option;
  }

  var BUILDERS = {
    bar: function (panel) { return categorical(panel, "bar", false); },
    stacked: function (panel) { return categorical(panel, "bar", true); },
    line: function (panel) { return categorical(panel, "line", false); },
    lead: function (panel) { return categorical(panel, "bar", false); },
    funnel: funnel,
    heatmap: heatmap,
    sankey: sankey
  };

  function points(option) {
    return (option.series || []).reduce(function (sum, series) {
      var data = series.links || series.data || [];
      return sum + data.filter(function (d) { return d !== "-"; }).length;
    }, 0);
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-insights-chart"));
    if (!source || typeof echarts === "undefined") return;
    var panel = JSON.parse(source.textContent);
    var build = BUILDERS[panel.chart] || BUILDERS.bar;
    var option = build(panel);
    if (panel.chart === "heatmap" || panel.chart === "sankey") {
      element.style.height = Math.max(320, 28 * panel.table.rows.length + 120) + "px";
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    element.setAttribute("data-points", String(points(option)));
    element.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-insights-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
