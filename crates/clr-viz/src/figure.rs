//! [`Figure`]: what every plot can be rendered to (PNG, SVG, a file), and
//! [`Format`].

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::Error;
use crate::style::{draw_err, ensure_fonts, Scale};

/// An image file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A PNG bitmap (anti-aliased, white background).
    Png,
    /// An SVG drawing (text kept as text, in a sans-serif font).
    Svg,
}

impl Format {
    /// The format a file name asks for: `.png` or `.svg`, in any case.
    pub fn from_path(path: &Path) -> Result<Format, Error> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(Error::Format {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// PNGs are drawn this many times larger, then averaged down: plotters'
/// bitmap lines are not anti-aliased, the average is.
const SUPERSAMPLE: u32 = 3;

pub(crate) mod sealed {
    use super::*;

    /// Draws a figure on any plotters backend.
    pub trait Draw {
        /// Width and height in pixels.
        fn dimensions(&self) -> (u32, u32);
        /// Draws on `root` (already white), every size multiplied by `s`.
        fn draw_on<DB: DrawingBackend>(
            &self,
            root: &DrawingArea<DB, Shift>,
            s: Scale,
        ) -> Result<(), Error>;
    }
}

/// A plot that renders to PNG and SVG: [`crate::SchedulePlot`],
/// [`crate::RangeTestPlot`] and [`crate::HistoryPlot`].
pub trait Figure: sealed::Draw {
    /// Width and height of the image, in pixels.
    fn size(&self) -> (u32, u32) {
        self.dimensions()
    }

    /// The SVG document.
    fn to_svg(&self) -> Result<String, Error> {
        ensure_fonts()?;
        check_size(self.dimensions())?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.dimensions()).into_drawing_area();
            root.fill(&WHITE).map_err(draw_err)?;
            self.draw_on(&root, Scale::SVG)?;
            root.present().map_err(draw_err)?;
        }
        Ok(out)
    }

    /// The image as 8-bit RGB pixels, row by row (`3 × width × height` bytes).
    fn to_rgb(&self) -> Result<Vec<u8>, Error> {
        ensure_fonts()?;
        let (w, h) = check_size(self.dimensions())?;
        let (big_w, big_h) = (w * SUPERSAMPLE, h * SUPERSAMPLE);
        let mut big = vec![255_u8; 3 * big_w as usize * big_h as usize];
        {
            let root = BitMapBackend::with_buffer(&mut big, (big_w, big_h)).into_drawing_area();
            self.draw_on(&root, Scale::bitmap(f64::from(SUPERSAMPLE)))?;
            root.present().map_err(draw_err)?;
        }
        Ok(downsample(&big, big_w as usize, w as usize, h as usize))
    }

    /// The PNG file's bytes.
    fn to_png(&self) -> Result<Vec<u8>, Error> {
        let (w, h) = self.dimensions();
        let rgb = self.to_rgb()?;
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Best);
            encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
            let mut writer = encoder.write_header().map_err(draw_err)?;
            writer.write_image_data(&rgb).map_err(draw_err)?;
            writer.finish().map_err(draw_err)?;
        }
        Ok(out)
    }

    /// Renders in `format` and writes to `path`.
    fn save_as(&self, path: &Path, format: Format) -> Result<(), Error> {
        let bytes = match format {
            Format::Png => self.to_png(),
            Format::Svg => self.to_svg().map(String::into_bytes),
        }
        .map_err(|e| e.at(path))?;
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    /// Renders in the format the file name asks for (`.png` or `.svg`) and
    /// writes to `path`.
    fn save(&self, path: &Path) -> Result<(), Error> {
        self.save_as(path, Format::from_path(path)?)
    }
}

impl<T: sealed::Draw> Figure for T {}

/// The largest width or height drawn, in pixels.
pub const MAX_SIZE: u32 = 16_384;

fn check_size((w, h): (u32, u32)) -> Result<(u32, u32), Error> {
    if w == 0 || h == 0 {
        Err(Error::Empty {
            what: "the image has no pixels",
        })
    } else if w > MAX_SIZE || h > MAX_SIZE {
        Err(Error::draw(
            None,
            format!("{w} x {h} pixels is larger than {MAX_SIZE} on a side"),
        ))
    } else {
        Ok((w, h))
    }
}

/// Box filter: every output pixel is the mean of its `k × k` block.
fn downsample(big: &[u8], big_w: usize, w: usize, h: usize) -> Vec<u8> {
    let k = SUPERSAMPLE as usize;
    let n = (k * k) as u32;
    let mut out = vec![0_u8; 3 * w * h];
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0_u32; 3];
            for dy in 0..k {
                let row = (y * k + dy) * big_w;
                for dx in 0..k {
                    let i = 3 * (row + x * k + dx);
                    if let Some(px) = big.get(i..i + 3) {
                        sum[0] += u32::from(px[0]);
                        sum[1] += u32::from(px[1]);
                        sum[2] += u32::from(px[2]);
                    }
                }
            }
            let o = 3 * (y * w + x);
            for c in 0..3 {
                out[o + c] = ((sum[c] + n / 2) / n) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_file_names() {
        assert_eq!(
            Format::from_path(Path::new("a/b.PNG")).unwrap(),
            Format::Png
        );
        assert_eq!(Format::from_path(Path::new("b.svg")).unwrap(), Format::Svg);
        let e = Format::from_path(Path::new("plot.jpg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "plot.jpg: unknown image format (use a .png or .svg file name)"
        );
        assert!(Format::from_path(Path::new("plot")).is_err());
    }

    #[test]
    fn sizes_are_checked() {
        assert!(check_size((0, 10)).is_err());
        assert!(check_size((MAX_SIZE + 1, 10)).is_err());
        assert_eq!(check_size((10, 20)).unwrap(), (10, 20));
    }

    #[test]
    fn downsample_averages_blocks() {
        let k = SUPERSAMPLE as usize;
        let mut big = vec![255_u8; 3 * k * k];
        big[0] = 0;
        let small = downsample(&big, k, 1, 1);
        let n = (k * k) as u32;
        assert_eq!(u32::from(small[0]), (255 * (n - 1) + n / 2) / n);
        assert_eq!(small[1], 255);
    }
}
