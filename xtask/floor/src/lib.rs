//! The yardstick of the widget bundle: a gauge and a line chart on canvas, yew +
//! plotters-canvas and nothing else. What the widget module weighs beyond this is our own code.

#![allow(unsafe_code)] // wasm-bindgen's generated glue

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Properties of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// `gauge` or `line`.
    pub kind: String,
    /// The values; a gauge shows the last as a fraction of one.
    pub values: Vec<f64>,
}

fn draw(canvas: &HtmlCanvasElement, kind: &str, values: &[f64]) {
    let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) else { return };
    let root = backend.into_drawing_area();
    let _ = root.fill(&WHITE);
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    if kind == "gauge" {
        let fraction = values.last().copied().unwrap_or(0.0).clamp(0.0, 1.0);
        let arc = |to: f64| -> Vec<(i32, i32)> {
            (0..=90)
                .map(|i| {
                    let angle = std::f64::consts::PI * (1.0 - to * f64::from(i) / 90.0);
                    ((w / 2.0 + w / 3.0 * angle.cos()) as i32, (h * 0.9 - w / 3.0 * angle.sin()) as i32)
                })
                .collect()
        };
        let _ = root.draw(&PathElement::new(arc(1.0), RGBColor(229, 231, 235).stroke_width(12)));
        let _ = root.draw(&PathElement::new(arc(fraction), RGBColor(22, 163, 74).stroke_width(12)));
    } else {
        let high = values.iter().copied().fold(1.0, f64::max);
        let step = w / values.len().max(2) as f64;
        let points: Vec<(i32, i32)> =
            values.iter().enumerate().map(|(i, v)| ((step * i as f64) as i32, (h - h * v / high) as i32)).collect();
        let _ = root.draw(&PathElement::new(points.clone(), BLUE.stroke_width(2)));
        for point in points {
            let _ = root.draw(&Circle::new(point, 3, BLUE.filled()));
        }
    }
    let _ = root.present();
}

/// A chart with its value in words.
#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with((props.kind.clone(), props.values.clone()), move |(kind, values)| {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                draw(&element, kind, values);
            }
        });
    }
    let label = format!("{}: {}", props.kind, props.values.last().copied().unwrap_or(0.0));
    html! {
        <div role="img" aria-label={label.clone()}>
            <p class="title">{ label }</p>
            <canvas ref={canvas} width="300" height="200"></canvas>
        </div>
    }
}

/// Mounts a chart into `element`.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, kind: String, values: Vec<f64>) {
    yew::Renderer::<Chart>::with_root_and_props(element, ChartProps { kind, values }).render();
}
