"""Resize raw RGB bytes with Pillow: the reference resampler of Hugging Face's (Python) CLIP and torchvision pre-processing.
usage: pillow.py <in.raw> <width> <height> <out-width> <out-height> <bicubic|bilinear> <out.raw>"""
import sys
from PIL import Image

src, w, h, ow, oh, mode, out = sys.argv[1:8]
image = Image.frombytes('RGB', (int(w), int(h)), open(src, 'rb').read())
resample = {'bicubic': Image.BICUBIC, 'bilinear': Image.BILINEAR}[mode]
open(out, 'wb').write(image.resize((int(ow), int(oh)), resample).tobytes())
