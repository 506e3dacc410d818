"""Resize raw RGB bytes with Pillow: the reference resampler of Hugging Face's (Python) CLIP and torchvision pre-processing.
usage: pillow.py <in.raw> <width> <height> <out-width> <out-height> <bicubic|bilinear> <out.raw> [<reducing-gap>]
       pillow.py <in.raw> <width> <height> reduce <fx> <fy> <out.raw>"""
import sys
from PIL import Image

src, w, h = sys.argv[1:4]
image = Image.frombytes('RGB', (int(w), int(h)), open(src, 'rb').read())
if sys.argv[4] == 'reduce':
    fx, fy, out = sys.argv[5:8]
    open(out, 'wb').write(image.reduce((int(fx), int(fy))).tobytes())
else:
    ow, oh, mode, out = sys.argv[4:8]
    gap = float(sys.argv[8]) if len(sys.argv) > 8 else None
    resample = {'bicubic': Image.BICUBIC, 'bilinear': Image.BILINEAR}[mode]
    open(out, 'wb').write(image.resize((int(ow), int(oh)), resample, reducing_gap=gap).tobytes())
