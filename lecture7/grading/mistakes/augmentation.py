"""Classic mistakes in the augmentation kernels of assignment 7.

Every variant is a complete, self-contained function with exactly one bug,
written the way students write it (see :mod:`lecture7.grading.mistakes`). The
correct kernels are in :mod:`lecture7.augment` (adapted to the students'
signatures in :mod:`lecture7.grading.augmentation`).
"""

import torch

from lecture7.grading.mistakes import mistake

# -- pad_and_crop: zero-pad all four sides by p, then img[..., top:top+size, left:left+size]


@mistake("pad_and_crop", "crop-size-off-by-one",
         "a crop of size s starting at top covers rows top, ..., top + s - 1: the slice is "
         "top:top + size (Python slices exclude their end), not top:top + size - 1.")
def pad_and_crop_size_minus_one(img, padding, top, left, size):
    padded = torch.nn.functional.pad(img, (padding, padding, padding, padding))
    return padded[..., top:top + size - 1, left:left + size - 1]


@mistake("pad_and_crop", "padding-one-side-only",
         "pad all four sides: torch.nn.functional.pad takes (left, right, top, bottom) for the "
         "last two axes, so (p, p, p, p); (p, 0, p, 0) pads only the left and the top.")
def pad_and_crop_one_side(img, padding, top, left, size):
    padded = torch.nn.functional.pad(img, (padding, 0, padding, 0))
    return padded[..., top:top + size, left:left + size]


@mistake("pad_and_crop", "crop-top-left-swapped",
         "top is a row offset (it slices the height axis, -2) and left a column offset "
         "(the width axis, -1): you used them the other way round.")
def pad_and_crop_swapped(img, padding, top, left, size):
    padded = torch.nn.functional.pad(img, (padding, padding, padding, padding))
    return padded[..., left:left + size, top:top + size]


# -- crop_offsets: top uniform on 0..H+2p-size, left on 0..W+2p-size, both ends included


@mistake("crop_offsets", "crop-offset-off-by-one",
         "the last valid offset H + 2p - size is never drawn: torch.randint's upper bound "
         "is exclusive, so draw torch.randint(0, H + 2p - size + 1, ...).")
def crop_offsets_off_by_one(height, width, size, padding, generator):
    top = int(torch.randint(0, height + 2 * padding - size, (), generator=generator))
    left = int(torch.randint(0, width + 2 * padding - size, (), generator=generator))
    return top, left


@mistake("crop_offsets", "crop-offset-ignores-padding",
         "the crop is taken from the PADDED image, of size H + 2p: offsets go up to "
         "H + 2p - size, not H - size.")
def crop_offsets_unpadded(height, width, size, padding, generator):
    top = int(torch.randint(0, height - size + 1, (), generator=generator))
    left = int(torch.randint(0, width - size + 1, (), generator=generator))
    return top, left


@mistake("crop_offsets", "crop-offset-padding-one-side",
         "the image is padded on BOTH sides, so the padded height is H + 2p, and offsets "
         "go up to H + 2p - size (not H + p - size).")
def crop_offsets_one_side(height, width, size, padding, generator):
    top = int(torch.randint(0, height + padding - size + 1, (), generator=generator))
    left = int(torch.randint(0, width + padding - size + 1, (), generator=generator))
    return top, left


@mistake("crop_offsets", "crop-offset-rounded-uniform",
         "round(u * max_offset) with u uniform in [0, 1) draws 0 and max_offset half as often "
         "as the other offsets; draw integers directly: torch.randint(0, max_offset + 1, ...).")
def crop_offsets_rounded(height, width, size, padding, generator):
    top = round(float(torch.rand((), generator=generator)) * (height + 2 * padding - size))
    left = round(float(torch.rand((), generator=generator)) * (width + 2 * padding - size))
    return top, left


@mistake("crop_offsets", "crop-offset-ignores-generator",
         "draw with the generator you are given (torch.randint(..., generator=generator)): "
         "otherwise the same seed does not give the same crops and experiments cannot be "
         "reproduced.")
def crop_offsets_global_rng(height, width, size, padding, generator):
    top = int(torch.randint(0, height + 2 * padding - size + 1, ()))
    left = int(torch.randint(0, width + 2 * padding - size + 1, ()))
    return top, left


# -- hflip: reverse the width axis (the last one) ---------------------------------------


@mistake("hflip", "hflip-flips-height",
         "that is a vertical flip (upside down): a horizontal flip mirrors left and right, "
         "i.e. reverses the LAST axis (width): img.flip(-1).")
def hflip_vertical(img):
    return img.flip(-2)


@mistake("hflip", "hflip-flips-channels",
         "that reverses the channel axis (RGB becomes BGR): a horizontal flip reverses the "
         "last axis (width): img.flip(-1).")
def hflip_channels(img):
    return img.flip(-3)


@mistake("hflip", "hflip-fixed-axis",
         "axis 2 is the width of a (C, H, W) image but the height of an (N, C, H, W) batch: "
         "count from the end, img.flip(-1), so that both work.")
def hflip_axis_two(img):
    return img.flip(2)


# -- color_jitter: brightness, contrast, saturation blends, each clamped to [0, 1] ------


@mistake("color_jitter", "contrast-per-channel-mean",
         "contrast blends with ONE gray level per image, the mean of its luma "
         "0.2989 R + 0.587 G + 0.114 B; a mean per channel shifts the colors instead.")
def color_jitter_channel_mean(img, brightness, contrast, saturation):
    weights = torch.tensor([0.2989, 0.587, 0.114], dtype=img.dtype, device=img.device)
    out = (brightness * img).clamp(0, 1)
    mean = out.mean(dim=(-2, -1), keepdim=True)
    out = (contrast * out + (1 - contrast) * mean).clamp(0, 1)
    gray = (weights[:, None, None] * out).sum(dim=-3, keepdim=True)
    return (saturation * out + (1 - saturation) * gray).clamp(0, 1)


@mistake("color_jitter", "jitter-no-clamp",
         "clamp to [0, 1] after each adjustment (.clamp(0, 1)): brightness and contrast "
         "factors above 1 push pixels out of the valid range.")
def color_jitter_no_clamp(img, brightness, contrast, saturation):
    weights = torch.tensor([0.2989, 0.587, 0.114], dtype=img.dtype, device=img.device)
    out = brightness * img
    gray = (weights[:, None, None] * out).sum(dim=-3, keepdim=True)
    out = contrast * out + (1 - contrast) * gray.mean(dim=(-3, -2, -1), keepdim=True)
    gray = (weights[:, None, None] * out).sum(dim=-3, keepdim=True)
    return saturation * out + (1 - saturation) * gray


@mistake("color_jitter", "contrast-mean-over-batch",
         "each image of a batch gets its own mean gray level: average the luma over "
         "(C, H, W) of each image (dim=(-3, -2, -1)), not over the whole batch.")
def color_jitter_batch_mean(img, brightness, contrast, saturation):
    weights = torch.tensor([0.2989, 0.587, 0.114], dtype=img.dtype, device=img.device)
    out = (brightness * img).clamp(0, 1)
    gray = (weights[:, None, None] * out).sum(dim=-3, keepdim=True)
    out = (contrast * out + (1 - contrast) * gray.mean()).clamp(0, 1)
    gray = (weights[:, None, None] * out).sum(dim=-3, keepdim=True)
    return (saturation * out + (1 - saturation) * gray).clamp(0, 1)


@mistake("color_jitter", "gray-plain-channel-average",
         "gray is the luma 0.2989 R + 0.587 G + 0.114 B (the eye is most sensitive to "
         "green), not the plain average (R + G + B) / 3.")
def color_jitter_plain_average(img, brightness, contrast, saturation):
    out = (brightness * img).clamp(0, 1)
    gray = out.mean(dim=-3, keepdim=True)
    out = (contrast * out + (1 - contrast) * gray.mean(dim=(-3, -2, -1), keepdim=True)).clamp(0, 1)
    gray = out.mean(dim=-3, keepdim=True)
    return (saturation * out + (1 - saturation) * gray).clamp(0, 1)


# -- fit_pca_color: eigen-decomposition of the 3x3 covariance of the RGB pixels --------


@mistake("fit_pca_color", "pca-covariance-not-centered",
         "subtract the mean color before the product: the covariance is "
         "(X - mean)^T (X - mean) / (P - 1). Without it, the first 'component' is mostly "
         "the mean color itself.")
def fit_pca_not_centered(images):
    pixels = images.movedim(-3, -1).reshape(-1, 3)
    covariance = pixels.T @ pixels / (pixels.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(covariance)
    return eigvals.flip(0), eigvecs.flip(1)


@mistake("fit_pca_color", "pca-pixels-reshaped-without-moving-channels",
         "images.reshape(-1, 3) on a (..., 3, H, W) tensor does not give one row per pixel: "
         "it cuts each channel's values into triples. Move the channel axis last first: "
         "images.movedim(-3, -1).reshape(-1, 3).")
def fit_pca_bad_reshape(images):
    pixels = images.reshape(-1, 3)
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / (pixels.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(covariance)
    return eigvals.flip(0), eigvecs.flip(1)


@mistake("fit_pca_color", "pca-eigenvalues-increasing",
         "torch.linalg.eigh (and np.linalg.eigh) return the eigenvalues in INCREASING order: "
         "flip both (eigvals.flip(0), eigvecs.flip(1)) so that the principal component "
         "comes first.")
def fit_pca_increasing(images):
    pixels = images.movedim(-3, -1).reshape(-1, 3)
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / (pixels.shape[0] - 1)
    return torch.linalg.eigh(covariance)


@mistake("fit_pca_color", "pca-eigenvectors-as-rows",
         "eigh returns the eigenvectors as the COLUMNS of the matrix (eigvecs[:, i] belongs to "
         "eigvals[i]); return them as columns, not transposed.")
def fit_pca_rows(images):
    pixels = images.movedim(-3, -1).reshape(-1, 3)
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / (pixels.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(covariance)
    return eigvals.flip(0), eigvecs.flip(1).T


@mistake("fit_pca_color", "pca-covariance-divided-by-p",
         "divide by P - 1, as np.cov does (the unbiased estimate), not by the number of "
         "pixels P.")
def fit_pca_biased(images):
    pixels = images.movedim(-3, -1).reshape(-1, 3)
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / pixels.shape[0]
    eigvals, eigvecs = torch.linalg.eigh(covariance)
    return eigvals.flip(0), eigvecs.flip(1)


# -- pca_color_shift: add eigvecs @ (alphas * eigvals) to every pixel, clamp ----------


@mistake("pca_color_shift", "pca-shift-eigenvectors-as-rows",
         "the eigenvectors are the COLUMNS p_i of eigvecs: the shift is "
         "eigvecs @ (alphas * eigvals) = sum_i alpha_i lambda_i p_i, not eigvecs.T @ (...).")
def pca_shift_rows(img, eigvals, eigvecs, alphas):
    shift = eigvecs.T @ (alphas * eigvals)
    return (img + shift[:, None, None]).clamp(0, 1)


@mistake("pca_color_shift", "pca-shift-without-eigenvalues",
         "each component is scaled by its eigenvalue: sum_i alpha_i lambda_i p_i. Without "
         "lambda_i every direction moves by the same amount, even those in which natural "
         "colors hardly vary.")
def pca_shift_no_eigvals(img, eigvals, eigvecs, alphas):
    shift = eigvecs @ alphas
    return (img + shift[:, None, None]).clamp(0, 1)


@mistake("pca_color_shift", "pca-shift-sqrt-eigenvalues",
         "the formula (Krizhevsky et al., 2012) scales by the eigenvalue lambda_i itself, "
         "not by its square root (a standard deviation).")
def pca_shift_sqrt(img, eigvals, eigvecs, alphas):
    shift = eigvecs @ (alphas * eigvals.sqrt())
    return (img + shift[:, None, None]).clamp(0, 1)


@mistake("pca_color_shift", "pca-shift-no-clamp",
         "clamp the result to [0, 1] (.clamp(0, 1)): a large shift pushes pixels out of the "
         "valid range.")
def pca_shift_no_clamp(img, eigvals, eigvecs, alphas):
    shift = eigvecs @ (alphas * eigvals)
    return img + shift[:, None, None]
