// Entry point: registers the pages and starts the router.
import {route} from "./core.js";
import "./runs.js";
import "./episode.js";
import "./playground.js";
import "./live.js";
import "./memory.js";

document.getElementById("help-button").addEventListener("click", () => {
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "?"}));
});
window.addEventListener("hashchange", route);
route();
