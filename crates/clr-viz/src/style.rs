//! The look shared by every plot: palette, font, sizes and the title.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor, ShapeStyle, TextStyle};

use crate::error::Error;

/// The colours of successive series: matplotlib's and seaborn's `tab10`.
pub const TAB10: [(u8, u8, u8); 10] = [
    (0x1f, 0x77, 0xb4), // blue
    (0xff, 0x7f, 0x0e), // orange
    (0x2c, 0xa0, 0x2c), // green
    (0xd6, 0x27, 0x28), // red
    (0x94, 0x67, 0xbd), // purple
    (0x8c, 0x56, 0x4b), // brown
    (0xe3, 0x77, 0xc2), // pink
    (0x7f, 0x7f, 0x7f), // grey
    (0xbc, 0xbd, 0x22), // olive
    (0x17, 0xbe, 0xcf), // cyan
];

/// The font family every text is drawn in: DejaVu Sans, shipped by the
/// `dejavu` crate and registered under the generic name, so an SVG viewer
/// without DejaVu still uses a sans-serif face.
pub const FONT: &str = "sans-serif";

/// The `i`-th palette colour (cycling).
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = TAB10[i % TAB10.len()];
    RGBColor(r, g, b)
}

pub(crate) const TEXT: RGBColor = RGBColor(0x26, 0x26, 0x26);
pub(crate) const MUTED: RGBColor = RGBColor(0x59, 0x59, 0x59);
pub(crate) const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub(crate) const GRID_MINOR: RGBColor = RGBColor(0xf3, 0xf3, 0xf3);
pub(crate) const FRAME: RGBColor = RGBColor(0xb8, 0xb8, 0xb8);
pub(crate) const MARK: RGBColor = RGBColor(0x80, 0x80, 0x80);

/// Registers DejaVu Sans (regular and bold) with plotters, once.
pub(crate) fn ensure_fonts() -> Result<(), Error> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::draw(
            None,
            "the DejaVu Sans font could not be loaded",
        ))
    }
}

/// Pixel sizes at scale 1, multiplied by the render scale (PNGs are drawn
/// larger and filtered down, which anti-aliases the lines).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    k: f64,
    bitmap: bool,
}

impl Scale {
    /// SVG: sizes as they are.
    pub(crate) const SVG: Scale = Scale {
        k: 1.0,
        bitmap: false,
    };

    /// A bitmap drawn `k` times larger than its final size.
    pub(crate) fn bitmap(k: f64) -> Scale {
        Scale { k, bitmap: true }
    }

    /// How far to move a vertically centred text of `size` down so its
    /// capitals are centred: plotters' ab_glyph layout puts them ~0.22 of
    /// the size too high in bitmaps (SVG viewers centre them themselves).
    pub(crate) fn center_dy(self, size: f64) -> i32 {
        if self.bitmap {
            (0.216 * size * self.k).round() as i32
        } else {
            0
        }
    }

    pub(crate) fn px(self, x: f64) -> i32 {
        (x * self.k).round() as i32
    }
    pub(crate) fn upx(self, x: f64) -> u32 {
        (x * self.k).round().max(1.0) as u32
    }
    pub(crate) fn font(self, size: f64) -> TextStyle<'static> {
        (FONT, size * self.k).into_font().color(&TEXT)
    }
    pub(crate) fn bold(self, size: f64) -> TextStyle<'static> {
        // `FontDesc::style` keeps the regular face's data: name the style
        // when the font is made.
        (FONT, size * self.k, FontStyle::Bold)
            .into_font()
            .color(&TEXT)
    }
    pub(crate) fn title(self) -> TextStyle<'static> {
        self.bold(20.0)
    }
    pub(crate) fn subtitle(self) -> TextStyle<'static> {
        self.bold(15.0)
    }
    pub(crate) fn axis_desc(self) -> TextStyle<'static> {
        self.font(15.0)
    }
    pub(crate) fn tick(self) -> TextStyle<'static> {
        (FONT, 13.0 * self.k).into_font().color(&MUTED)
    }
    pub(crate) fn legend(self) -> TextStyle<'static> {
        self.font(13.5)
    }
    pub(crate) fn line(self, color: RGBColor) -> ShapeStyle {
        color.stroke_width(self.upx(2.0))
    }
}

/// Maps a plotters drawing error to ours.
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> Error {
    Error::draw(None, e)
}

/// Draws `text` centred at the top of `area`; returns the height used.
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    s: Scale,
) -> Result<i32, Error> {
    let (w, _) = area.dim_in_pixel();
    let style = s.title().pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    area.draw_text(text, &style, (w as i32 / 2, s.px(14.0)))
        .map_err(draw_err)?;
    Ok(s.px(48.0))
}
