//! `adead-vm analyze --html`: the report opened in a real browser (headless Chromium,
//! which `./test.sh` installs when missing) draws every chart and the annotated
//! listing, logs nothing to the console and raises no script error.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser: `$ADEAD_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("ADEAD_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .expect("sh runs");
        if found.status.success() {
            return PathBuf::from(String::from_utf8(found.stdout).unwrap().trim());
        }
    }
    panic!(
        "no Chromium to check the HTML report in: ./test.sh installs it \
         (apt-get install chromium), or set ADEAD_CHROMIUM"
    );
}

/// The page's DOM after its scripts ran, and everything the browser logged.
fn open_in_browser(page: &Path) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn attribute<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let start = dom.find(&format!("{name}=\""))? + name.len() + 2;
    Some(&dom[start..start + dom[start..].find('"')?])
}

#[test]
fn the_report_renders_in_a_browser_without_console_messages() {
    let dir = std::env::temp_dir().join(format!("adead-analyze-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("mlp.html");
    let mlp = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/mlp.asm");
    let out = Command::new(env!("CARGO_BIN_EXE_adead-vm"))
        .arg("analyze")
        .arg("--html")
        .arg(&page)
        .arg(&mlp)
        .arg("8")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch.
    for remote in ["http://", "https://", "src=", "href="] {
        let outside_svg_namespace = html.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_svg_namespace.contains(remote),
            "the page refers to `{remote}`"
        );
    }
    let (dom, log) = open_in_browser(&page);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert_eq!(attribute(&dom, "data-errors"), None, "script errors");
    assert_eq!(attribute(&dom, "data-rendered"), Some("yes"), "{dom}");
    // Three instruction mixes, functions, loops, tensor time: each an SVG with bars.
    assert_eq!(attribute(&dom, "data-charts"), Some("6"));
    let charts: Vec<&str> = dom.split("<svg class=\"chart\"").skip(1).collect();
    assert_eq!(charts.len(), 6);
    for chart in charts {
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert!(chart.contains("<rect"), "a chart without bars: {chart}");
    }
    // The annotated listing: the draw loop's back-edge with its count, and the
    // suggestions section.
    assert!(dom.contains("Hot code: draw"), "no listing");
    assert!(
        dom.contains("<span class=\"count\">"),
        "no counts in the listing"
    );
    assert!(dom.contains("Suggestions"));
    std::fs::remove_dir_all(&dir).unwrap();
}
