# ruff: noqa: E402
# The description of assignments/source/a7_augmentation/augmentation.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 7: Data augmentation
#
# A network with millions of weights, trained on a fixed set of images, learns those
# images. **Data augmentation** transforms every training image at random, each time it
# is used: a mirrored, shifted, recolored cat is still a cat, so the label stays and the
# network sees a new example at every epoch. It must learn what does not depend on the
# transform. Like dropout, augmentation adds randomness at training time, which
# regularizes, and at test time the randomness is averaged out or switched off (chapter 7
# of the book, *Data augmentation*).
#
# You implement the transforms of the lecture, as deterministic kernels with explicit
# parameters (the way `torchvision.transforms.v2.functional` does it): **random crops
# with padding**, **horizontal flips**, **color jitter** (brightness, contrast,
# saturation), and AlexNet's **PCA color augmentation**.
#
# **How you are graded.** Under each function there is a test cell. Run it: it checks
# your code on cases worked out by hand and on random ones, and tells you what is wrong
# (which output, how far off, the likely mistake, or where to look). When you submit,
# hidden tests also compare your code with the course's reference implementation on
# random inputs and edge cases. Each part earns the share of its checks, visible and
# hidden, that pass: 0 only for code that calls the reference or produces nothing. The
# table below says what is graded and what is accepted without loss. The written
# questions at the end are graded by hand.
#
# **Rules.** Write the computations yourself with PyTorch. Code that calls the reference
# implementation (`lecture7.augment`) gets no points for that part. Do not rename the
# functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `pad_and_crop`, `hflip`, `color_jitter`, `pca_color_shift` | the image, a tensor on the input's device; that the input image is left as it was (one check of its own: it belongs to the data set) | any tensor operations giving the same numbers: `torch.flip` or slicing, `F.pad` or a zero tensor, `clamp` or `clip` |
# | `crop_offsets` | the range, coverage and uniformity of many draws, and that the same seed gives the same offsets | any way of drawing from the generator (`torch.randint`, `torch.rand` scaled), in any order; integers as Python ints or 0-d tensors |
# | `fit_pca_color` | the eigenvalues (largest first) and the eigenvectors (columns, each up to its sign) | `torch.linalg.eigh` or `svd`, `torch.cov` or the covariance written out; either sign |

# %% [readonly] setup
import torch

# %% [markdown]
# ## Images
#
# An image is a float tensor of shape $(C, H, W)$ (channels, height, width) with values
# in $[0, 1]$; a batch is $(N, C, H, W)$. Row $i$ counts down from the top, column $j$
# right from the left edge. Every function below takes a single image **or** a batch,
# and applies one set of parameters to all of it: index from the end (`dim=-1` is the
# width, `-2` the height, `-3` the channels) and the same code handles both.
#
# Return a **new tensor on the image's device** (the grader may run on a GPU: create
# any constant with `device=img.device, dtype=img.dtype`), and leave the input as it was
# (one check of its own): the caller's data set still needs the original.

# %% [markdown]
# ## 1. Random crops with padding
#
# AlexNet trained on random $224 \times 224$ crops of $256 \times 256$ images; the
# CIFAR-10 recipe pads each $32 \times 32$ image with $p = 4$ zeros on every side and
# takes a random $32 \times 32$ crop of the $40 \times 40$ result. Either way the object
# moves around in the frame, and the network learns to recognize it anywhere.
#
# A crop is two things: a deterministic kernel that cuts a given window, and the random
# draw of that window. First the kernel. Pad an $H \times W$ image with $p$ zeros on
# **all four sides** (the padded image is $(H + 2p) \times (W + 2p)$), then keep the
# $s \times s$ square whose top-left corner is at row `top`, column `left` of the padded
# image:
#
# $$\text{out}[\dots, i, j] = \text{padded}[\dots, \text{top} + i, \text{left} + j],
#   \qquad 0 \le i, j < s .$$
#
# `torch.nn.functional.pad(x, (left, right, top, bottom))` pads the last two axes (mind
# its order of the four sides).

# %% [solution] pad_and_crop
def pad_and_crop(img, padding, top, left, size):
    """Zero-pad all four sides of img by `padding` pixels, then crop the size x size
    square whose top-left corner is at row `top`, column `left` of the padded image.

    img: (C, H, W) or (N, C, H, W). Returns (C, size, size) or (N, C, size, size).
    """
    ### BEGIN SOLUTION
    padded = torch.nn.functional.pad(img, (padding, padding, padding, padding))
    return padded[..., top:top + size, left:left + size]
    ### END SOLUTION

# %% [tests] test_pad_and_crop points=2
# Visible tests: a 1x2x3 image cropped by hand, and the shape of a batch.
from lecture7.grading.augmentation import check_pad_and_crop

check_pad_and_crop(pad_and_crop)
### BEGIN HIDDEN TESTS
check_pad_and_crop(pad_and_crop, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# Now the random part. The crop must fit inside the padded image, so the valid offsets
# are
#
# $$\text{top} \in \{0, 1, \dots, H + 2p - s\}, \qquad
#   \text{left} \in \{0, 1, \dots, W + 2p - s\},$$
#
# **both ends included**: $H + 2p - s + 1$ possible rows. Every window must be equally
# likely; in particular the last one, flush with the bottom (or right) edge. For
# CIFAR-10 ($H = 32$, $p = 4$, $s = 32$) that is $\{0, \dots, 8\}$: 9 positions per axis.
#
# Draw with the `torch.Generator` you are given (`torch.randint(low, high, (),
# generator=generator)`; `high` is excluded), so that a seed makes a run reproducible.
# Draw `top` first, then `left`, and return them as Python ints. The grader draws
# thousands of offsets and checks their range, that every offset occurs, about equally
# often, and that the same seed gives the same offsets.

# %% [solution] crop_offsets
def crop_offsets(height, width, size, padding, generator):
    """The top-left corner (top, left) of a random size x size crop of a height x width
    image padded by `padding` on every side, uniform over ALL valid offsets.

    generator: a torch.Generator; draw with it. Returns two Python ints.
    """
    ### BEGIN SOLUTION
    max_top = height + 2 * padding - size
    max_left = width + 2 * padding - size
    top = int(torch.randint(0, max_top + 1, (), generator=generator))
    left = int(torch.randint(0, max_left + 1, (), generator=generator))
    return top, left
    ### END SOLUTION

# %% [tests] test_crop_offsets points=2
# Visible tests: the range and the spread of many draws, for CIFAR-10's recipe and a
# non-square image.
from lecture7.grading.augmentation import check_crop_offsets

check_crop_offsets(crop_offsets)
### BEGIN HIDDEN TESTS
check_crop_offsets(crop_offsets, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# Together they make the random crop of the CIFAR-10 recipe (this cell is not graded):

# %% [code]
def random_crop(img, size, padding, generator):
    top, left = crop_offsets(img.shape[-2], img.shape[-1], size, padding, generator)
    return pad_and_crop(img, padding, top, left, size)


generator = torch.Generator().manual_seed(0)
image = torch.rand(3, 32, 32, generator=generator)
print("random crops:", [tuple(random_crop(image, 32, 4, generator).shape) for _ in range(3)])

# %% [markdown]
# ## 2. Horizontal flips
#
# A mirrored photo is still a photo of the same thing: flipping left-right with
# probability 1/2 doubles the data for free. The flip reverses the **width** axis:
#
# $$\text{out}[\dots, c, i, j] = \text{img}[\dots, c, i, W - 1 - j] .$$
#
# (Upside down is a different story: see the written questions.)

# %% [solution] hflip
def hflip(img):
    """Mirror left-right: out[..., i, j] = img[..., i, W - 1 - j].

    img: (C, H, W) or (N, C, H, W).
    """
    ### BEGIN SOLUTION
    return img.flip(-1)
    ### END SOLUTION

# %% [tests] test_hflip points=1
# Visible tests: a 1x2x3 image flipped by hand, and a batch.
from lecture7.grading.augmentation import check_hflip

check_hflip(hflip)
### BEGIN HIDDEN TESTS
check_hflip(hflip, hidden=True, points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Color jitter
#
# Lighting changes colors, not objects. Color jitter scales the brightness, contrast and
# saturation of each training image by random factors (torchvision's `ColorJitter`).
# Each adjustment is one operation, a blend of the image with a reference image $r$ and
# a factor $f \ge 0$ ($f = 1$ changes nothing), **clamped** back to $[0, 1]$:
#
# $$\text{out} = \operatorname{clamp}_{[0, 1]}\bigl(f\, \text{img} + (1 - f)\, r\bigr).$$
#
# The reference images use the **luma** $Y = 0.2989\, R + 0.587\, G + 0.114\, B$ of a
# pixel (the gray level the eye perceives: it is most sensitive to green):
#
# * **brightness**: $r = 0$ (black); so $\text{out} = \operatorname{clamp}(f\, \text{img})$;
# * **contrast**: $r = m$, **one** number per image, the mean of the luma over all the
#   pixels of that image (for a batch, each image has its own $m$); $f = 0$ gives a
#   uniform gray image;
# * **saturation**: $r = Y$, the luma of each pixel, repeated over the 3 channels;
#   $f = 0$ gives the grayscale image.
#
# Apply brightness, then contrast, then saturation, each on the result of the previous
# one and each clamped. (`ColorJitter` draws the three factors at random, and also a
# random order; here they are given.) Images are RGB: $C = 3$.

# %% [solution] color_jitter
def color_jitter(img, brightness, contrast, saturation):
    """Adjust brightness, then contrast, then saturation by the given factors (torchvision's
    formulas), clamping to [0, 1] after each.

    img: (3, H, W) or (N, 3, H, W), RGB.
    """
    ### BEGIN SOLUTION
    weights = torch.tensor([0.2989, 0.587, 0.114], dtype=img.dtype, device=img.device)

    def luma(x):
        return (weights.view(3, 1, 1) * x).sum(dim=-3, keepdim=True)

    out = (brightness * img).clamp(0, 1)
    mean = luma(out).mean(dim=(-3, -2, -1), keepdim=True)
    out = (contrast * out + (1 - contrast) * mean).clamp(0, 1)
    return (saturation * out + (1 - saturation) * luma(out)).clamp(0, 1)
    ### END SOLUTION

# %% [tests] test_color_jitter points=3
# Visible tests: brightness and contrast of a 3x1x2 image by hand, and a batch.
from lecture7.grading.augmentation_color import check_color_jitter

check_color_jitter(color_jitter)
### BEGIN HIDDEN TESTS
check_color_jitter(color_jitter, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. PCA color augmentation
#
# AlexNet's "fancy PCA" (Krizhevsky et al., 2012, section 4.1) shifts the colors of an
# image along the directions in which the colors of natural images actually vary.
# Stack all the RGB pixels of the training images as the rows of a matrix
# $X \in \mathbb R^{P \times 3}$ with mean row $\bar x$. Their covariance and its
# eigen-decomposition are
#
# $$\Sigma = \frac{1}{P - 1} (X - \bar x)^\top (X - \bar x), \qquad
#   \Sigma = \sum_{i=1}^{3} \lambda_i\, p_i p_i^\top, \quad
#   \lambda_1 \ge \lambda_2 \ge \lambda_3 \ge 0 .$$
#
# The eigenvector $p_1$ of the largest eigenvalue is usually close to
# $(1, 1, 1)/\sqrt 3$: brightness; the next is a blue-yellow axis.
#
# **Fit.** Return the eigenvalues in **decreasing** order, `eigvals` of shape $(3,)$,
# and the eigenvectors as the **columns** of `eigvecs` $(3, 3)$: `eigvecs[:, i]` belongs
# to `eigvals[i]`. `torch.linalg.eigh` (for symmetric matrices) returns them in
# *increasing* order. (An eigenvector's sign is arbitrary: either sign is accepted.)
# Mind the pixel matrix: the channels are axis $-3$ of the images, not the last one.

# %% [solution] fit_pca_color
def fit_pca_color(images):
    """Eigen-decomposition of the 3x3 covariance (divided by P - 1) of all RGB pixels.

    images: (3, H, W) or (N, 3, H, W). Returns (eigvals, eigvecs): eigvals (3,)
    decreasing, eigvecs (3, 3) whose column i is the unit eigenvector of eigvals[i].
    """
    ### BEGIN SOLUTION
    pixels = images.movedim(-3, -1).reshape(-1, 3)
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / (pixels.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(covariance)
    return eigvals.flip(0), eigvecs.flip(1)
    ### END SOLUTION

# %% [tests] test_fit_pca_color points=3
# Visible tests: a 3x2x2 image whose covariance is diagonal (by hand), and a batch.
from lecture7.grading.augmentation_color import check_fit_pca_color

check_fit_pca_color(fit_pca_color)
### BEGIN HIDDEN TESTS
check_fit_pca_color(fit_pca_color, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# **Shift.** For each training image, draw $\alpha_i \sim \mathcal N(0, 0.1^2)$ once,
# and add the same color to **every pixel**:
#
# $$I_{xy} \leftarrow \operatorname{clamp}_{[0,1]}\Bigl(I_{xy} + [p_1, p_2, p_3]
#   \begin{bmatrix}\alpha_1 \lambda_1 \\ \alpha_2 \lambda_2 \\ \alpha_3 \lambda_3\end{bmatrix}\Bigr)
#   = \operatorname{clamp}_{[0,1]}\Bigl(I_{xy} + \sum_i \alpha_i \lambda_i\, p_i\Bigr).$$
#
# The $\alpha_i$ are given here (for a batch, every image gets the same shift). In
# matrix form the shift is `eigvecs @ (alphas * eigvals)`, a vector of 3 colors to
# broadcast over $H$ and $W$.

# %% [solution] pca_color_shift
def pca_color_shift(img, eigvals, eigvecs, alphas):
    """Add sum_i alphas[i] * eigvals[i] * eigvecs[:, i] to every pixel, clamp to [0, 1].

    img: (3, H, W) or (N, 3, H, W); eigvals and alphas: (3,); eigvecs: (3, 3).
    """
    ### BEGIN SOLUTION
    shift = eigvecs @ (alphas * eigvals)
    return (img + shift.view(3, 1, 1)).clamp(0, 1)
    ### END SOLUTION

# %% [tests] test_pca_color_shift points=2
# Visible tests: a 3x1x2 image shifted by hand (two values clamped), and a batch.
from lecture7.grading.augmentation_color import check_pca_color_shift

check_pca_color_shift(pca_color_shift)
### BEGIN HIDDEN TESTS
check_pca_color_shift(pca_color_shift, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Try them on photos
#
# The color basis of real photos (patches of the two photos that ship with
# scikit-learn), and a few random augmentations of one of them. (This cell is not graded.)

# %% [code]
from lecture7.data import photo_patches, sample_photos
from lecture7.plots import show_images

eigvals, eigvecs = fit_pca_color(photo_patches(n=64, patch_size=16, seed=0))
print("eigenvalues:", eigvals.numpy().round(4))
p1 = eigvecs[:, 0] * eigvecs[:, 0].sum().sign()  # the sign of an eigenvector is arbitrary
print("principal color direction p1:", p1.numpy().round(3))

photo = sample_photos(size=(48, 48))["china"]
generator = torch.Generator().manual_seed(1)
augmented = [photo]
for _ in range(5):
    out = random_crop(photo, 48, 6, generator)
    if torch.rand((), generator=generator) < 0.5:
        out = hflip(out)
    factors = 0.6 + 0.8 * torch.rand(3, generator=generator)
    out = color_jitter(out, *factors.tolist())
    alphas = torch.randn(3, generator=generator)  # 10 times AlexNet's 0.1, to be visible
    augmented.append(pca_color_shift(out, eigvals, eigvecs, alphas))
show_images(augmented, titles=["original"] + ["augmented"] * 5, ncols=6, scale=1.6)

# %% [markdown]
# ## 5. Written questions
#
# **Question 1.** Which of the transforms above (and rotations by 180°, vertical flips)
# preserve the label for handwritten **digits** (MNIST), and which for **photos** of
# objects (CIFAR-10, ImageNet)? Give an example where a transform changes the label, and
# say how you decide in general whether an augmentation is safe for a data set.

# %% [answer] label_preserving points=2
# *Photos:* horizontal flips, small crops/translations, color jitter and PCA color
# shifts preserve the label (a mirrored or darker cat is a cat; the world has no
# preferred left-right orientation and lighting varies). Vertical flips and 180°
# rotations mostly do not occur in the test distribution (upside-down cars, sky at the
# bottom), so they waste capacity or mislead, except for aerial or microscope images.
# *Digits:* small crops and translations, brightness/contrast changes and small
# rotations are safe; horizontal flips are not: a mirrored 2, 3, 7 or 9 is no digit or
# another symbol, and a 180° rotation turns 6 into 9 (and 9 into 6); color jitter is
# meaningless for gray digits. The test: an augmentation is safe when a human would give
# the transformed image the same label and when transformed images look like ones the
# model will meet at test time; check by looking at augmented samples, and by
# validation accuracy.

# %% [markdown]
# **Question 2.** Why do random transforms at training time act as a regularizer? Relate
# them to dropout (the pattern "add randomness when training, average it out when
# testing"), and say what you do at test time.

# %% [answer] why_regularize points=2
# Each epoch the network sees a different version of every image, so it cannot memorize
# the pixels of the training set: the effective data set is much larger, and the
# network is pushed to be invariant to the transforms, which encodes prior knowledge
# (the label does not depend on position, mirror image, lighting). This lowers the gap
# between training and validation error, at some cost in training accuracy, exactly
# like dropout: training optimizes the loss averaged over random transforms (random
# masks for dropout), $\mathbb E_t[L(f(t(x)), y)]$. At test time the randomness is
# removed or averaged out: evaluate on the plain (center-cropped) image, or average the
# predictions over fixed transforms (AlexNet's 10 crops: 4 corners and the center, and
# their mirror images), the analogue of dropout's test-time scaling.
