"""Resize with Pillow: the reference resampler of Hugging Face's (Python) CLIP and torchvision pre-processing.
usage: pillow.py <in.raw> <width> <height> <out-width> <out-height> <bicubic|bilinear> <out.raw> [<reducing-gap>]
       pillow.py <in.raw> <width> <height> reduce <fx> <fy> <out.raw>
       pillow.py draft <in.jpg> <request-width> <request-height> <out-width> <out-height> <bicubic|bilinear> <out.raw>
The draft form decodes a JPEG at the scale Image.draft picks for the request (libjpeg's DCT scaling), turns it
upright (EXIF orientation), resizes with reducing_gap=3 and prints the decoded size as WIDTHxHEIGHT."""
import sys
from PIL import Image, ImageOps

RESAMPLE = {'bicubic': Image.BICUBIC, 'bilinear': Image.BILINEAR}

if sys.argv[1] == 'draft':
    src, rw, rh, ow, oh, mode, out = sys.argv[2:9]
    image = Image.open(src)
    image.draft('RGB', (int(rw), int(rh)))
    image.load()
    print(f'{image.size[0]}x{image.size[1]}')
    image = ImageOps.exif_transpose(image).convert('RGB')
    open(out, 'wb').write(image.resize((int(ow), int(oh)), RESAMPLE[mode], reducing_gap=3).tobytes())
    sys.exit(0)

src, w, h = sys.argv[1:4]
image = Image.frombytes('RGB', (int(w), int(h)), open(src, 'rb').read())
if sys.argv[4] == 'reduce':
    fx, fy, out = sys.argv[5:8]
    open(out, 'wb').write(image.reduce((int(fx), int(fy))).tobytes())
else:
    ow, oh, mode, out = sys.argv[4:8]
    gap = float(sys.argv[8]) if len(sys.argv) > 8 else None
    open(out, 'wb').write(image.resize((int(ow), int(oh)), RESAMPLE[mode], reducing_gap=gap).tobytes())
