window.addEventListener("error", function (event) {
  var root = document.documentElement;
  root.dataset.errors = (root.dataset.errors ? root.dataset.errors + " | " : "") +
    (event.message || "error");
  if (document.body) document.body.dataset.rendered = "error";
});
