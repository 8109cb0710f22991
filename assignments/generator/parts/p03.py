"""Notebook 3: the convolution itself (conv2d_single, conv2d)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 3. 합성곱 · Convolution

            이제 피처 맵의 각 칸에 들어갈 값을 계산합니다. 필터를 한 자리에 놓고, 필터의 가중치 W와
            그 아래 픽셀 X를 칸끼리 곱해 모두 더한 뒤 편향 b를 더합니다: `W·X + b`. 그다음 stride만큼
            옮겨 같은 계산을 반복합니다. 먼저 흑백 이미지 한 장과 필터 하나로 시작하고(`conv2d_single`),
            그다음 여러 채널, 여러 필터, 여러 이미지로 넓힙니다(`conv2d`).
            """,
            """
            Now we compute what goes into each cell of the feature map. Put the filter at one place,
            multiply its weights W with the pixels X under it cell by cell, add everything up and add
            the bias b: `W·X + b`. Then move by the stride and repeat. We start with one grey image
            and one filter (`conv2d_single`), then widen to several channels, several filters and a
            batch of images (`conv2d`).
            """),
            lesson.points()),
        *lesson.setup_cells(),
        md(bi(
            """
            ## 한 칸씩 채워지는 피처 맵

            강의의 두 번째 예처럼 4×4 입력에 3×3 필터(모든 가중치 1, 편향 0)를 스트라이드 1로 옮기면
            (4 − 3)/1 + 1 = 2, 즉 2×2 피처 맵이 나옵니다. 입력을 0부터 15까지의 수로 채우면 왼쪽 위
            칸은 0+1+2+4+5+6+8+9+10 = **45**입니다. 아래 그림은 네 자리를 차례로 보여 줍니다.

            딥러닝에서 말하는 합성곱은 필터를 뒤집지 않고 그대로 겹쳐 놓습니다(수학 용어로는
            교차상관). 이 과제도 그렇게 합니다.
            """,
            """
            ## Filling the feature map one cell at a time

            As in the lecture's second example, a 3×3 filter (all weights 1, bias 0) moving over a
            4×4 input with stride 1 takes (4 − 3)/1 + 1 = 2 places per axis: a 2×2 feature map.
            With the input filled with 0 … 15, the top-left cell is 0+1+2+4+5+6+8+9+10 = **45**.
            The figure walks through the four places.

            Deep learning's convolution lays the filter on the image as it is, without flipping it
            (mathematicians call this cross-correlation); so does this assignment.
            """)),
        demo("""
            image = np.arange(16.0).reshape(4, 4)
            kernel = np.ones((3, 3))
            feature_map = np.full((2, 2), np.nan)
            fig, axes = plt.subplots(2, 4, figsize=(12, 6))
            for step, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
                feature_map[i, j] = np.sum(image[i : i + 3, j : j + 3] * kernel)  # W·X + b, b = 0
                top, bottom = axes[0, step], axes[1, step]
                top.imshow(image, cmap="Greys", alpha=0.3)
                for (r, c), v in np.ndenumerate(image):
                    top.text(c, r, f"{v:.0f}", ha="center", va="center")
                top.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 3, 3, fill=False, lw=3,
                                            color="tab:red"))
                top.set_title(f"filter at ({i}, {j})")
                bottom.imshow(np.nan_to_num(feature_map), cmap="Reds", vmin=0, vmax=120)
                for (r, c), v in np.ndenumerate(feature_map):
                    bottom.text(c, r, "" if np.isnan(v) else f"{v:.0f}", ha="center", va="center")
                bottom.set_title("feature map")
                for ax in (top, bottom):
                    ax.set_xticks([])
                    ax.set_yticks([])
            fig.tight_layout()
            plt.show()
        """),
        md(bi(
            """
            ## `conv2d_single` 작성하기

            2차원 이미지 `(H, W)` 하나와 2차원 필터 `(FH, FW)` 하나로 피처 맵 `(OH, OW)`를 만듭니다.
            stride와 padding은 앞의 두 노트북과 같은 형식이고, 제공 함수 `conv_geometry`가
            `(stride_hw, pads, (OH, OW))`를 계산하며 잘못된 설정에는 예외를 발생시킵니다. 이 함수는
            노트북 1에서 여러분이 쓴 `output_size`, `same_padding`을 부르고, `zero_pad`도 노트북 2의
            여러분의 함수입니다(위의 잠긴 셀이 불러옵니다). 패딩은
            `zero_pad`로 먼저 붙이고, 출력 칸 `(i, j)`마다 창(window)
            `x[i·sh : i·sh + FH, j·sw : j·sw + FW]`을 잘라 필터와 곱해 더하고 편향을 더하세요.
            반복문 두 개면 충분합니다. float32 입력은 float32로 돌려줍니다(`float_dtype`).
            """,
            """
            ## Write `conv2d_single`

            One 2-D image `(H, W)` and one 2-D filter `(FH, FW)` make a feature map `(OH, OW)`.
            Stride and padding take the forms of the last two notebooks; the provided
            `conv_geometry` returns `(stride_hw, pads, (OH, OW))` and raises for bad settings. It
            calls YOUR `output_size` and `same_padding` from notebook 1, and `zero_pad` is yours
            from notebook 2 (the locked cell above loads them). Pad
            first with `zero_pad`; then for every output cell `(i, j)` cut the window
            `x[i·sh : i·sh + FH, j·sw : j·sw + FW]`, multiply it with the filter, sum, and add the
            bias. Two loops are enough. float32 inputs give float32 output (`float_dtype`).
            """)),
        *task("conv2d_single"),
        md(bi(
            """
            ## 채널과 여러 개의 필터

            컬러 이미지는 R, G, B 세 **채널**을 가진 3차원 데이터입니다(강의의 32×32×3). 필터도 입력의
            채널 수만큼 깊이를 가지므로 5×5 필터는 실제로 5×5×3이고, 한 자리에서 세 채널의 곱을 **모두
            더해** 숫자 하나를 냅니다. 그래서 필터 하나는 피처 맵 하나를 만듭니다.

            필터마다 가중치가 다르므로 서로 다른 특징을 잡아냅니다. 필터를 6개 쓰면 피처 맵도 6장이
            되어 출력의 깊이(채널 수)가 6이 됩니다: 32×32×3 입력에 5×5×3 필터 6개, 스트라이드 1, 패딩
            0이면 **28×28×6**입니다. 다시 5×5×6 필터 10개를 쓰면 **24×24×10**이 됩니다. 패딩이 없으면
            층을 지날수록 가로세로는 줄고 깊이는 늘어납니다.

            코드에서는 축 순서를 **NCHW**로 씁니다: 입력 `x`는 `(N, C, H, W)`(이미지 N장), 필터 `w`는
            `(F, C, FH, FW)`, 편향 `b`는 `(F,)`, 출력은 `(N, F, OH, OW)`입니다. 강의의 32×32×3은
            `(1, 3, 32, 32)`에 해당합니다.
            """,
            """
            ## Channels and several filters

            A colour image is 3-D data with three **channels**, R, G and B (the lecture's 32×32×3).
            A filter is as deep as its input, so a 5×5 filter is really 5×5×3, and at each place it
            **sums** the products over all three channels into one number. One filter therefore
            makes one feature map.

            Each filter has its own weights and picks up its own feature. Six filters give six
            feature maps, so the output is 6 deep: a 32×32×3 input, six 5×5×3 filters, stride 1,
            no padding → **28×28×6**. Ten 5×5×6 filters on top of that give **24×24×10**. Without
            padding every layer makes the maps smaller and the stack deeper.

            In code the axes are **NCHW**: input `x` is `(N, C, H, W)` (N images), filters `w` are
            `(F, C, FH, FW)`, biases `b` are `(F,)`, and the output is `(N, F, OH, OW)`. The
            lecture's 32×32×3 is `(1, 3, 32, 32)` here.
            """)),
        demo("""
            # One place of one filter on a 3-channel input: three products, one sum, one number.
            rng = np.random.default_rng(3)
            window = rng.integers(0, 4, size=(3, 3, 3)).astype(float)  # (C, FH, FW) under the filter
            weights = rng.integers(-1, 2, size=(3, 3, 3)).astype(float)  # one filter, as deep as x
            products = window * weights
            fig, axes = plt.subplots(3, 3, figsize=(8.5, 8))
            for c in range(3):
                for ax, grid, name in zip(axes[c], (window[c], weights[c], products[c]),
                                          ("window X", "filter W", "X * W")):
                    ax.imshow(grid, cmap="RdBu_r", vmin=-4, vmax=4)
                    for (r, q), v in np.ndenumerate(grid):
                        ax.text(q, r, f"{v + 0.0:.0f}", ha="center", va="center")  # no "-0"
                    ax.set_title(f"channel {c}: {name}" + (f", sum {grid.sum():.0f}"
                                                           if name == "X * W" else ""))
                    ax.set_xticks([])
                    ax.set_yticks([])
            fig.suptitle(f"sum over all channels = {products.sum():.0f} (+ bias b) -> "
                         "ONE number of ONE feature map")
            fig.tight_layout()
            plt.show()
        """),
        demo("""
            sizes = [(32, 3), (output_size(32, 5), 6), (output_size(output_size(32, 5), 5), 10)]
            fig, ax = plt.subplots(figsize=(10, 4))
            x0 = 0.0
            for k, (side, depth) in enumerate(sizes):
                for d in range(depth):  # one thin slab per channel, drawn back to front
                    ax.add_patch(plt.Rectangle((x0 + 0.8 * d, 0.8 * d), side, side,
                                               facecolor=plt.cm.viridis(d / 10), edgecolor="k",
                                               alpha=0.6, lw=0.5))
                ax.text(x0 + side / 2, -5, f"{side}x{side}x{depth}", ha="center", fontsize=12)
                if k < 2:
                    ax.annotate("", xy=(x0 + side + 14, 18), xytext=(x0 + side + 4, 18),
                                arrowprops={"arrowstyle": "->"})
                    n = sizes[k + 1][1]
                    ax.text(x0 + side + 9, 22, f"{n} filters\\n5x5x{depth}", ha="center")
                x0 += side + 20
            ax.set_xlim(-2, x0)
            ax.set_ylim(-9, 44)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title("Without padding: smaller and deeper, layer by layer")
            plt.show()
        """),
        md(bi(
            """
            ## `conv2d` 작성하기

            `conv2d(x, w, b, stride, padding)`는 `(N, C, H, W)` 입력의 모든 이미지에 모든 필터를
            적용합니다. 출력의 한 칸은

            `out[n, f, i, j] = Σ_c Σ_p Σ_q xpad[n, c, i·sh + p, j·sw + q] · w[f, c, p, q] + b[f]`

            입니다. 제공 함수 `_check_conv_inputs`가 모양과 채널 수를 검사하고(`b=None`이면 0으로),
            `conv_geometry`가 출력 크기와 패딩을 줍니다. 이미지, 필터, 출력 칸에 대한 반복문으로 쓰면
            됩니다. 창은 `(C, FH, FW)` 모양이므로 `w[f]`와 곱해 한 번에 더할 수 있습니다.
            """,
            """
            ## Write `conv2d`

            `conv2d(x, w, b, stride, padding)` applies every filter to every image of an
            `(N, C, H, W)` batch. One output cell is

            `out[n, f, i, j] = Σ_c Σ_p Σ_q xpad[n, c, i·sh + p, j·sw + q] · w[f, c, p, q] + b[f]`.

            The provided `_check_conv_inputs` checks shapes and channel counts (and turns `b=None`
            into zeros); `conv_geometry` gives the output size and padding. Loops over images,
            filters and output cells will do: a window has shape `(C, FH, FW)`, so one product with
            `w[f]` and one sum cover all channels at once.
            """)),
        *task("conv2d"),
        demo("""
            print("32x32x3, six 5x5x3 filters ->",
                  conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5))).shape)
            print("28x28x6, ten 5x5x6 filters ->",
                  conv2d(np.zeros((1, 6, 28, 28)), np.zeros((10, 6, 5, 5))).shape)
        """),
        md(bi(
            """
            ## 진짜 숫자 이미지에 필터 네 개

            손글씨 숫자(8×8, `digits.npz`) 하나에 손으로 만든 3×3 필터 네 개를 적용해 봅니다. 세로
            경계, 가로 경계, 대각선, 흐림 필터가 서로 다른 피처 맵을 만드는 것을 볼 수 있습니다. 필터가
            네 개이므로 출력의 깊이는 4입니다. 학습하는 CNN은 이런 필터를 데이터에서 스스로 찾습니다.
            """,
            """
            ## Four filters on a real digit

            Four hand-made 3×3 filters applied to one handwritten digit (8×8, `digits.npz`): a
            vertical-edge, a horizontal-edge, a diagonal and a blur filter each give their own
            feature map; four filters make an output 4 deep. A CNN that learns finds such filters
            in the data by itself.
            """)),
        demo("""
            digit = np.load("digits.npz")["images"][0].astype(float) / 16  # a handwritten 0
            filters = {
                "vertical edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
                "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
                "diagonal": [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]],
                "blur": [[1 / 9] * 3] * 3,
            }
            w = np.array(list(filters.values()), dtype=float)[:, None]  # (4, 1, 3, 3)
            maps = conv2d(digit[None, None], w, padding=1)  # (1, 4, 8, 8)
            fig, axes = plt.subplots(1, 5, figsize=(13, 3))
            axes[0].imshow(digit, cmap="gray_r")
            axes[0].set_title("digit (1, 1, 8, 8)")
            for ax, name, fmap in zip(axes[1:], filters, maps[0]):
                limit = np.abs(fmap).max() or 1.0  # centred: white is 0, red +, blue -
                image = ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
                fig.colorbar(image, ax=ax, shrink=0.75)
                ax.set_title(name)
            for ax in axes:
                ax.set_xticks([])
                ax.set_yticks([])
            fig.suptitle(f"4 filters -> output {maps.shape}  (white = 0, red > 0, blue < 0)")
            plt.show()
        """),
        md(bi(
            """
            ## 정리
            - 한 칸의 값: 창과 필터를 곱해 모두 더하고(모든 채널) 편향을 더함, `W·X + b`.
            - 필터 하나 → 피처 맵 하나; 필터 F개 → 출력 깊이 F.
            - 다음 노트북: 풀링, 평탄화, 완전연결층으로 작은 CNN을 완성합니다.
            """,
            """
            ## Summary
            - One cell: multiply window and filter, sum over everything (all channels), add the
              bias, `W·X + b`.
            - One filter → one feature map; F filters → an output F deep.
            - Next notebook: pooling, flattening and a fully connected layer complete a tiny CNN.
            """)),
    ]
