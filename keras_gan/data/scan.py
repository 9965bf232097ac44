"""`scan_images`: the integrity check of an image folder before training."""

import collections
import concurrent.futures
import hashlib
import os

import numpy as np

from keras_gan.data import _io
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

# Perceptual hashes (64 bits) at most this many bits apart are near
# duplicates. Two unrelated images agree this closely with probability
# about 1e-11; resized or recompressed copies usually differ by 0-4 bits.
NEAR_DUPLICATE_BITS = 6
# An 8-bit image with this share of pixels within `DARK_LEVEL` of black (or
# white) is "almost black" (or "almost white").
EXTREME_SHARE = 0.98
DARK_LEVEL = 16


class ScanReport:
    """What `scan_images` found in a folder; nothing in it was modified.

    Attributes:
        directory: the folder scanned.
        num_files: files with an image extension.
        num_images: those that decode (`num_files - len(bad_files)`).
        other_files: paths of files without an image extension (ignored).
        unreadable: dict `{path: reason}` of the files that do not decode:
            empty, truncated, not an image, or a decompression bomb.
        bad_files: sorted paths of `unreadable`: what `image_dataset(...,
            on_error="skip")` leaves out.
        sizes: `collections.Counter` of `(width, height)`.
        aspect_ratios: `Counter` of width / height rounded to 2 decimals.
        modes: `Counter` of Pillow colour modes ("RGB", "L", "RGBA", "P", ...).
        formats: `Counter` of file formats ("PNG", "JPEG", ...).
        value_range: `(min, max)` pixel value over all readable images (in
            their own bit depth: up to 65535 for 16-bit images).
        low_range: paths of images whose values span less than half of
            their bit depth's range (washed out or dark).
        exact_duplicates: groups (lists) of paths with identical bytes.
        near_duplicates: groups of paths whose perceptual hashes differ by at
            most 6 of 64 bits but whose bytes differ; each exact duplicate
            group is represented by its first path.
        suspicious: dict `{path: reason}` of images that are constant,
            almost black or almost white.
        class_counts: dict `{class name: number of readable images}` when
            classes were inferred from subfolders, else None.

    Examples:

    >>> import os, tempfile
    >>> from PIL import Image
    >>> from keras_gan.data import scan_images
    >>> folder = tempfile.mkdtemp()
    >>> Image.new("RGB", (8, 8)).save(f"{folder}/black.png")
    >>> open(f"{folder}/empty.jpg", "wb").close()
    >>> report = scan_images(folder)
    >>> report.num_files, report.num_images
    (2, 1)
    >>> [os.path.basename(p) for p in report.bad_files]
    ['empty.jpg']
    >>> list(report.suspicious.values())
    ['constant (every pixel (0, 0, 0))']
    """

    def __init__(self, directory):
        self.directory = directory
        self.num_files = 0
        self.other_files = []
        self.unreadable = {}
        self.sizes = collections.Counter()
        self.aspect_ratios = collections.Counter()
        self.modes = collections.Counter()
        self.formats = collections.Counter()
        self.value_range = None
        self.low_range = []
        self.exact_duplicates = []
        self.near_duplicates = []
        self.suspicious = {}
        self.class_counts = None

    @property
    def num_images(self):
        return self.num_files - len(self.unreadable)

    @property
    def bad_files(self):
        return sorted(self.unreadable)

    def __repr__(self):
        return (
            f"<ScanReport {self.directory!r}: {self.num_images} images, "
            f"{len(self.unreadable)} unreadable, "
            f"{len(self.exact_duplicates)} exact and "
            f"{len(self.near_duplicates)} near duplicate groups, "
            f"{len(self.suspicious)} suspicious>"
        )

    def summary(self, print_fn=None):
        """Prints the report as a table.

        Args:
            print_fn: function called with the text. Defaults to `print`.
        """
        (print_fn or print)(self._text())

    def _rel(self, path):
        return os.path.relpath(path, self.directory)

    def _text(self):
        rows = []

        def row(name, value):
            rows.append(f"{name:<17}{value}")

        def top(counter, fmt=str, n=6):
            items = [f"{fmt(k)}: {v}" for k, v in counter.most_common(n)]
            rest = len(counter) - n
            more = f", ... ({rest} more)" if rest > 0 else ""
            return ", ".join(items) + more

        row("Folder", self.directory)
        row(
            "Images",
            f"{self.num_images} readable, {len(self.unreadable)} unreadable"
            f" (of {self.num_files} image files)",
        )
        if self.other_files:
            exts = sorted(
                {os.path.splitext(p)[1].lower() or "(none)"
                 for p in self.other_files}
            )
            row(
                "Ignored",
                f"{len(self.other_files)} other file(s) ({', '.join(exts)})",
            )
        if self.class_counts is not None:
            total = max(sum(self.class_counts.values()), 1)
            row(
                "Classes",
                ", ".join(
                    f"{k} {v} ({100 * v / total:.0f}%)"
                    for k, v in self.class_counts.items()
                ),
            )
        if self.num_images:
            row("Sizes (WxH)", top(self.sizes, lambda s: f"{s[0]}x{s[1]}"))
            row("Aspect (W/H)", top(self.aspect_ratios, lambda r: f"{r:.2f}"))
            row("Colour modes", top(self.modes))
            row("Formats", top(self.formats))
            low, high = self.value_range
            row(
                "Pixel values",
                f"{low}..{high}; {len(self.low_range)} image(s) use less "
                "than half the range",
            )
        sections = [
            (
                "Unreadable (left out by on_error='skip')",
                [f"{self._rel(p)}: {r}" for p, r in self.unreadable.items()],
            ),
            (
                "Exact duplicates",
                [" = ".join(map(self._rel, g)) for g in self.exact_duplicates],
            ),
            (
                "Near duplicates",
                [" ~ ".join(map(self._rel, g)) for g in self.near_duplicates],
            ),
            (
                "Suspicious",
                [f"{self._rel(p)}: {r}" for p, r in self.suspicious.items()],
            ),
        ]
        for title, lines in sections:
            rows.append(f"{title}: {len(lines) or 'none'}")
            rows.extend(f"  {line}" for line in lines)
        width = max(len(r) for r in rows)
        rule = "-" * min(width, 78)
        return "\n".join([rule, *rows[:1], rule, *rows[1:], rule])


def _inspect(path):
    """Everything `scan_images` needs from one file, or the reason it is
    unreadable."""
    try:
        data = _io.read_file(path)
        image = _io.open_image(path, data)
    except _io.BadImage as e:
        return {"path": path, "error": str(e)}
    digest = hashlib.sha256(data).hexdigest()
    with image:
        info = {
            "path": path,
            "error": None,
            "sha256": digest,
            "size": image.size,
            "mode": image.mode,
            "format": image.format or "?",
            "dhash": _io.dhash(image),
        }
        if image.mode == "P":
            image = image.convert("RGBA")
        values = np.asarray(image)
    if values.ndim == 3 and values.shape[-1] in (2, 4):  # drop alpha
        values = values[..., :-1]
    if values.dtype == bool:  # mode "1"
        depth = 1
    elif info["mode"].startswith("I") or values.max() > 255:
        depth = 65535
    else:
        depth = 255
    low, high = values.min().item(), values.max().item()
    info.update(low=int(low), high=int(high), depth=depth)
    eight = values.astype(np.float64) * (255.0 / depth)
    pixels = values.reshape(-1, values.shape[-1] if values.ndim == 3 else 1)
    if np.all(pixels == pixels[0]):
        first = tuple(int(v) for v in pixels[0])
        first = first[0] if len(first) == 1 else first
        info["suspicious"] = f"constant (every pixel {first})"
    elif np.mean(eight <= DARK_LEVEL) >= EXTREME_SHARE:
        info["suspicious"] = "almost black"
    elif np.mean(eight >= 255 - DARK_LEVEL) >= EXTREME_SHARE:
        info["suspicious"] = "almost white"
    return info


def _near_groups(hashes):
    """Groups of indices whose 64-bit hashes are within
    `NEAR_DUPLICATE_BITS` bits, found through band buckets (two hashes that
    close agree exactly on at least one of `NEAR_DUPLICATE_BITS + 1` bands),
    so that large folders are not compared pair by pair."""
    parent = list(range(len(hashes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    num_bands = NEAR_DUPLICATE_BITS + 1
    edges = [int(e) for e in np.linspace(0, 64, num_bands + 1)]
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (1 << (hi - lo)) - 1
        buckets = collections.defaultdict(list)
        for i, h in enumerate(hashes):
            buckets[(h >> lo) & mask].append(i)
        for members in buckets.values():
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1 :]:
                    if find(a) == find(b):
                        continue
                    if bin(hashes[a] ^ hashes[b]).count("1") <= (
                        NEAR_DUPLICATE_BITS
                    ):
                        parent[find(b)] = find(a)
    groups = collections.defaultdict(list)
    for i in range(len(hashes)):
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _scan(directory, labels):
    directory = _io.check_directory(directory)
    report = ScanReport(directory)
    paths, report.other_files = _io.list_files(directory)
    report.num_files = len(paths)
    workers = min(8, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        infos = list(pool.map(_inspect, paths))
    good = []
    for info in infos:
        if info["error"] is not None:
            report.unreadable[info["path"]] = info["error"]
            continue
        good.append(info)
        width, height = info["size"]
        report.sizes[(width, height)] += 1
        report.aspect_ratios[round(width / height, 2)] += 1
        report.modes[info["mode"]] += 1
        report.formats[info["format"]] += 1
        if info["high"] - info["low"] < info["depth"] / 2:
            report.low_range.append(info["path"])
        if "suspicious" in info:
            report.suspicious[info["path"]] = info["suspicious"]
    if good:
        report.value_range = (
            min(i["low"] for i in good),
            max(i["high"] for i in good),
        )
    by_digest = collections.defaultdict(list)
    for info in good:
        by_digest[info["sha256"]].append(info)
    report.exact_duplicates = sorted(
        [i["path"] for i in group]
        for group in by_digest.values()
        if len(group) > 1
    )
    firsts = [group[0] for group in by_digest.values()]
    report.near_duplicates = sorted(
        sorted(firsts[i]["path"] for i in group)
        for group in _near_groups([f["dhash"] for f in firsts])
    )
    classes = _classes(directory, paths, labels)
    if classes is not None:
        counts = dict.fromkeys(classes, 0)
        for info in good:
            top = os.path.relpath(info["path"], directory).split(os.sep)[0]
            if top in counts:
                counts[top] += 1
        report.class_counts = counts
    return report


def _classes(directory, paths, labels):
    if labels is None:
        return None
    folders = _io.class_folders(directory)
    if labels == "inferred":
        return folders
    # "auto": classes when every image lies in one of >= 2 subfolders.
    top_level = any(os.path.dirname(p) == directory for p in paths)
    return folders if len(folders) >= 2 and not top_level else None


@keras_gan_export
def scan_images(directory, labels="auto"):
    """Checks a folder of images before training; modifies nothing.

    Reads every image file (recursively; the extensions `image_dataset`
    uses) and reports: counts; unreadable files with the reason for each
    (empty, truncated, not an image despite the extension, decompression
    bombs refused from their header); the distribution of sizes, aspect
    ratios, colour modes and formats; exact duplicates (SHA-256 of the
    bytes) and near duplicates (a 64-bit difference hash); suspicious
    images (constant, almost black, almost white); pixel value ranges; and
    class balance when subfolders are classes. Files are only read.

    Args:
        directory: path of the folder.
        labels: "auto" treats subfolders as classes when every image lies
            in one of at least two subfolders; "inferred" always does; None
            never. Defaults to "auto".

    Returns:
        A `ScanReport`; `report.summary()` prints it as a table and
        `report.bad_files` lists what `on_error="skip"` would leave out.

    Examples:

    >>> import tempfile
    >>> from PIL import Image
    >>> folder = tempfile.mkdtemp()
    >>> Image.new("L", (30, 20), 128).save(f"{folder}/a.png")
    >>> Image.new("L", (30, 20), 128).save(f"{folder}/copy.png")
    >>> with open(f"{folder}/notes.jpg", "w") as f:
    ...     _ = f.write("not an image")
    >>> report = scan_images(folder)
    >>> report.num_files, report.num_images, report.bad_files == [
    ...     f"{folder}/notes.jpg"]
    (3, 2, True)
    >>> report.unreadable[f"{folder}/notes.jpg"]
    'not an image: Pillow cannot identify its format'
    >>> [[os.path.basename(p) for p in g] for g in report.exact_duplicates]
    [['a.png', 'copy.png']]
    >>> dict(report.sizes), dict(report.modes)
    ({(30, 20): 2}, {'L': 2})
    """
    validation.check_choice("labels", labels, ("auto", "inferred", None))
    return _scan(directory, labels)
