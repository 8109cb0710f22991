"""Notebook 3: the convolution itself (conv2d_single, conv2d)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 3. 합성곱 · Convolution

            이제 특성 맵의 각 칸에 들어갈 값을 계산합니다. 필터를 한 위치에 놓고, 필터의 가중치 W와 그
            아래 픽셀 X를 칸끼리 곱해 모두 더한 뒤 편향 b를 더합니다: `W·X + b`. 그다음 스트라이드만큼
            옮겨 같은 계산을 반복합니다. 먼저 흑백 이미지 한 장과 필터 하나로 시작하고(`conv2d_single`),
            그다음 여러 채널, 여러 필터, 여러 이미지로 넓힙니다(`conv2d`). 크기와 패딩은 앞의 두
            노트북에서 여러분이 쓴 `output_size`, `same_padding`, `zero_pad`로 계산합니다.
            """,
            """
            Now we compute what goes into each cell of the feature map. Put the filter at one
            position, multiply its weights W with the pixels X under it cell by cell, add
            everything up and add the bias b: `W·X + b`. Then move by the stride and repeat. We
            start with one grey image and one filter (`conv2d_single`), then widen to several
            channels, several filters and a batch of images (`conv2d`). Sizes and padding come
            from your own `output_size`, `same_padding` and `zero_pad` of the last two notebooks.
            """)),
        md(lesson.points(), bi(
            """
            아래의 잠긴 셀은 제공 코드와, 앞 노트북에서 여러분이 쓴 함수를 불러옵니다. 앞 노트북을
            저장한 뒤 위에서부터 차례로 실행하세요.
            """,
            """
            The locked cells below load the provided code and the functions you wrote in the
            earlier notebooks. Save those notebooks, then run the cells from the top.
            """)),
        *lesson.setup_cells(),
        md(bi(
            """
            ## 한 칸씩 채워지는 특성 맵

            강의의 두 번째 예처럼 4×4 입력에 3×3 필터(가중치가 모두 1)를 스트라이드 1로 옮기면
            (4 − 3)/1 + 1 = 2, 즉 2×2 특성 맵이 나옵니다. 강의는 여기서 곱의 합(`W·X`)에 편향을
            더합니다. 편향을 **b = 1**로 두고 입력을 0부터 15까지의 수로 채우면, 왼쪽 위 칸은
            0+1+2+4+5+6+8+9+10 = 45에 편향을 더한 **46**입니다. 편향은 위치와 상관없이 모든 칸에 같은
            값으로 더해집니다. 아래 그림은 네 위치를 차례로 보여 줍니다.

            딥러닝에서 말하는 합성곱은 필터를 뒤집지 않고 그대로 겹쳐 놓습니다(수학 용어로는
            교차상관). 이 과제도 그렇게 합니다.
            """,
            """
            ## Filling the feature map one cell at a time

            As in the lecture's second example, a 3×3 filter (all weights 1) moving over a 4×4
            input with stride 1 takes (4 − 3)/1 + 1 = 2 positions per axis: a 2×2 feature map. The
            lecture adds a bias to the sum of products (`W·X`) here. With the bias **b = 1** and
            the input filled with 0 … 15, the top-left cell is 0+1+2+4+5+6+8+9+10 = 45 plus the
            bias, **46**. The bias is added to every cell alike, wherever the filter is. The
            figure walks through the four positions.

            Deep learning's convolution lays the filter on the image as it is, without flipping it
            (mathematicians call this cross-correlation); so does this assignment.
            """)),
        demo("""
            image = np.arange(16.0).reshape(4, 4)
            kernel, bias = np.ones((3, 3)), 1.0
            feature_map = np.full((2, 2), np.nan)
            fig, axes = plt.subplots(2, 4, figsize=(12, 7), layout="constrained")
            for step, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
                feature_map[i, j] = np.sum(image[i : i + 3, j : j + 3] * kernel) + bias  # W·X + b
                top, bottom = axes[0, step], axes[1, step]
                top.imshow(image, cmap="Greys", alpha=0.3)
                for (r, c), v in np.ndenumerate(image):
                    top.text(c, r, f"{v:.0f}", ha="center", va="center")
                top.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 3, 3, fill=False, lw=3,
                                            color="tab:red"))
                top.set_title(figure_text(f"필터 위치 ({i}, {j})", f"filter at ({i}, {j})"), fontsize=10)
                bottom.imshow(np.nan_to_num(feature_map), cmap="Reds", vmin=0, vmax=120)
                for (r, c), v in np.ndenumerate(feature_map):
                    bottom.text(c, r, "" if np.isnan(v) else f"{v:.0f}", ha="center", va="center")
                bottom.set_title(figure_text("특성 맵 (편향 b = 1)", "feature map (bias b = 1)"),
                                 fontsize=10)
                for ax in (top, bottom):
                    ax.set_xticks([])
                    ax.set_yticks([])
            plt.show()
        """),
        md(bi(
            """
            ## `conv2d_single` 작성하기

            2차원 이미지 `(H, W)` 하나와 2차원 필터 `(FH, FW)` 하나로 특성 맵 `(OH, OW)`를 만듭니다.
            스트라이드는 정수나 `(sh, sw)`이고(제공 함수 `as_pair`가 둘 다 `(sh, sw)`로 바꿔 줍니다),
            패딩은 앞의 두 노트북에서 본 형식 그대로입니다. 순서대로 하세요.

            1. **크기와 패딩**: 높이와 너비에 여러분의 `output_size`를 한 번씩 부릅니다. 패딩이
               `"same"`이면 두 축의 패딩을 여러분의 `same_padding`으로 구하고 `output_size`에는
               `"same"`을 그대로 넘깁니다. `"valid"`이면 패딩은 0이고 `output_size`에는 `"valid"`를
               넘깁니다. 숫자 패딩이면 `padding_pairs`로 `((top, bottom), (left, right))`를 얻어
               각 축의 `(앞, 뒤)`를 넘깁니다. 크기가 맞지 않으면 `output_size`가 `ValueError`
               예외를 발생시키므로, 잘못된 설정은 저절로 거부됩니다.
            2. **패딩 붙이기**: 여러분의 `zero_pad`로 붙입니다.
            3. **계산**: 출력 칸 `(i, j)`마다 윈도우 `x[i·sh : i·sh + FH, j·sw : j·sw + FW]`를 잘라
               필터와 곱해 더하고 편향을 더하세요. 반복문 두 개면 충분합니다. float32 입력은 float32로
               돌려줍니다(제공 함수 `float_dtype`).
            """,
            """
            ## Write `conv2d_single`

            One 2-D image `(H, W)` and one 2-D filter `(FH, FW)` make a feature map `(OH, OW)`.
            The stride is an int or `(sh, sw)` (the provided `as_pair` turns both into
            `(sh, sw)`); padding takes the forms of the last two notebooks. In order:

            1. **Size and padding**: call your `output_size` once for the height and once for the
               width. For `"same"`, get both axes' padding from your `same_padding` and pass
               `"same"` itself to `output_size`; for `"valid"` the padding is 0 and `output_size`
               gets `"valid"`; for numbers, `padding_pairs` gives
               `((top, bottom), (left, right))` and each axis passes its `(before, after)`. When
               the sizes do not fit, `output_size` raises `ValueError`, so bad settings are
               rejected on their own.
            2. **Pad** with your `zero_pad`.
            3. **Compute**: for every output cell `(i, j)` cut the window
               `x[i·sh : i·sh + FH, j·sw : j·sw + FW]`, multiply it with the filter, sum, and add
               the bias. Two loops are enough. float32 inputs give float32 output (the provided
               `float_dtype`).
            """)),
        *task("conv2d_single"),
        md(bi(
            """
            ## 채널과 여러 개의 필터

            컬러 이미지는 R, G, B 세 **채널**로 된 3차원 데이터입니다(강의의 32×32×3). 필터도 입력의
            채널 수만큼 깊이를 가지므로 5×5 필터는 실제로는 5×5×3이고, 한 위치에서 세 채널의 곱을
            **모두 더해** 숫자 하나를 냅니다. 그래서 필터 하나는 특성 맵 하나를 만듭니다.

            필터마다 가중치가 다르므로 서로 다른 특징을 잡아냅니다. 필터를 6개 쓰면 특성 맵도 6장이
            되어 출력의 깊이(채널 수)가 6이 됩니다: 32×32×3 입력에 5×5×3 필터 6개, 스트라이드 1,
            패딩 0이면 **28×28×6**입니다. 여기에 다시 5×5×6 필터 10개를 쓰면 **24×24×10**이 됩니다.
            패딩이 없으면 층을 지날수록 가로세로는 줄고 깊이는 늘어납니다.
            """,
            """
            ## Channels and several filters

            A colour image is 3-D data with three **channels**, R, G and B (the lecture's 32×32×3).
            A filter is as deep as its input, so a 5×5 filter is really 5×5×3, and at each position
            it **sums** the products over all three channels into one number. One filter therefore
            makes one feature map.

            Each filter has its own weights and picks up its own feature. Six filters give six
            feature maps, so the output is 6 deep: a 32×32×3 input, six 5×5×3 filters, stride 1,
            no padding → **28×28×6**. Ten 5×5×6 filters on top of that give **24×24×10**. Without
            padding every layer makes the maps smaller and the stack deeper.
            """)),
        md(bi(
            """
            ### 축 순서: NCHW와 NHWC

            코드에서는 배열의 축을 **NCHW** 순서로 씁니다: 입력 `x`는 `(이미지 수 N, 채널 C, 높이 H,
            너비 W)`, 필터 `w`는 `(F, C, FH, FW)`, 편향 `b`는 `(F,)`, 출력은 `(N, F, OH, OW)`입니다.
            강의의 32×32×3 이미지 한 장은 `(1, 3, 32, 32)`입니다. 강의의 실습(TensorFlow)은 **NHWC**,
            즉 `(N, H, W, C)` = `(1, 32, 32, 3)`를 씁니다. 같은 숫자를 다른 순서로 놓았을 뿐이라
            `x.transpose(0, 3, 1, 2)`가 NHWC를 NCHW로, `x.transpose(0, 2, 3, 1)`이 다시 NHWC로
            바꿉니다. 필터도 마찬가지로 여기서는 `(F, C, FH, FW)`, TensorFlow에서는 `(FH, FW, C, F)`입니다.
            """,
            """
            ### Axis order: NCHW and NHWC

            In code the axes are **NCHW**: input `x` is `(number of images N, channels C, height H,
            width W)`, filters `w` are `(F, C, FH, FW)`, biases `b` are `(F,)`, and the output is
            `(N, F, OH, OW)`. The lecture's single 32×32×3 image is `(1, 3, 32, 32)`. The lecture's
            lab (TensorFlow) uses **NHWC**, `(N, H, W, C)` = `(1, 32, 32, 3)`. The numbers are the
            same, only their order differs: `x.transpose(0, 3, 1, 2)` turns NHWC into NCHW and
            `x.transpose(0, 2, 3, 1)` turns it back. Filters likewise: `(F, C, FH, FW)` here,
            `(FH, FW, C, F)` in TensorFlow.
            """)),
        demo("""
            # One position of one filter on a 3-channel input: three products, one sum, one number.
            rng = np.random.default_rng(3)
            window = rng.integers(0, 4, size=(3, 3, 3)).astype(float)  # (C, FH, FW) under the filter
            weights = rng.integers(-1, 2, size=(3, 3, 3)).astype(float)  # one filter, as deep as x
            products = window * weights
            names = (figure_text("윈도우 X", "window X", sep=" · "),
                     figure_text("필터 W", "filter W", sep=" · "), "X * W")
            fig, axes = plt.subplots(3, 3, figsize=(8.5, 8.6), layout="constrained")
            for c in range(3):
                for k, (ax, grid) in enumerate(zip(axes[c], (window[c], weights[c], products[c]))):
                    ax.imshow(grid, cmap="RdBu_r", vmin=-4, vmax=4)
                    for (r, q), v in np.ndenumerate(grid):
                        ax.text(q, r, f"{v + 0.0:.0f}", ha="center", va="center")  # no "-0"
                    ax.set_title(figure_text(f"채널 {c}", f"channel {c}", sep=" · ") + f": {names[k]}"
                                 + (f", Σ = {grid.sum():.0f}" if k == 2 else ""), fontsize=9)
                    ax.set_xticks([])
                    ax.set_yticks([])
            fig.suptitle(figure_text(f"모든 채널의 합 = {products.sum():.0f} (+ 편향 b) → 특성 맵 하나의 숫자 하나",
                                     f"sum over all channels = {products.sum():.0f} (+ bias b) -> "
                                     "ONE number of ONE feature map"))
            plt.show()
        """),
        demo("""
            sizes = [(32, 3), (output_size(32, 5), 6), (output_size(output_size(32, 5), 5), 10)]
            fig, ax = plt.subplots(figsize=(10, 4.2))
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
                    ax.text(x0 + side + 9, 22, figure_text(f"필터 {n}개", f"{n} filters") + f"\\n5x5x{depth}",
                            ha="center", fontsize=9)
                x0 += side + 20
            ax.set_xlim(-2, x0)
            ax.set_ylim(-9, 44)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(figure_text("패딩이 없으면 층마다 작아지고 깊어집니다",
                                     "Without padding: smaller and deeper, layer by layer"))
            plt.show()
        """),
        md(bi(
            """
            ## `conv2d` 작성하기

            `conv2d(x, w, b, stride, padding)`는 `(N, C, H, W)` 입력의 모든 이미지에 모든 필터를
            적용합니다. 출력의 한 칸은

            `out[n, f, i, j] = Σ_c Σ_p Σ_q xpad[n, c, i·sh + p, j·sw + q] · w[f, c, p, q] + b[f]`

            입니다. 제공 함수 `_check_conv_inputs`는 타입과 모양만 검사합니다(4차원인지, 채널 수가
            맞는지, `b`가 필터마다 하나인지). 크기와 패딩은 `conv2d_single`에서처럼 여러분의
            `output_size`, `same_padding`, `zero_pad`로 구하고, `b=None`이면 편향이 없는 것(0)으로
            합니다. 이미지, 필터, 출력 칸에 대한 반복문으로 쓰면 됩니다. 윈도우는 `(C, FH, FW)`
            모양이므로 `w[f]`와 곱해 한 번에 더하면 모든 채널이 합쳐집니다. 출력은 `x`와 `w`가
            float32이면 float32, 아니면 float64입니다.
            """,
            """
            ## Write `conv2d`

            `conv2d(x, w, b, stride, padding)` applies every filter to every image of an
            `(N, C, H, W)` batch. One output cell is

            `out[n, f, i, j] = Σ_c Σ_p Σ_q xpad[n, c, i·sh + p, j·sw + q] · w[f, c, p, q] + b[f]`.

            The provided `_check_conv_inputs` checks types and shapes only (4-D arrays, matching
            channels, one bias per filter). Work out the size and padding as in `conv2d_single`,
            with your `output_size`, `same_padding` and `zero_pad`; `b=None` means no bias (0).
            Loops over images, filters and output cells will do: a window has shape
            `(C, FH, FW)`, so one product with `w[f]` and one sum cover all channels at once. The
            output is float32 when `x` and `w` are, float64 otherwise.
            """)),
        *task("conv2d"),
        demo("""
            print("32x32x3, 5x5x3 필터 6개 · six 5x5x3 filters ->",
                  conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5))).shape)
            print("28x28x6, 5x5x6 필터 10개 · ten 5x5x6 filters ->",
                  conv2d(np.zeros((1, 6, 28, 28)), np.zeros((10, 6, 5, 5))).shape)
        """),
        md(bi(
            """
            ## 진짜 숫자 이미지에 필터 네 개

            손글씨 숫자(8×8, `digits.npz`) 하나에 손으로 만든 3×3 필터 네 개를 적용해 봅니다. 세로
            경계, 가로 경계, 대각선, 흐림 필터가 서로 다른 특성 맵을 만드는 것을 볼 수 있습니다. 필터가
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
            digit = np.load(DIGITS_FILE)["images"][0].astype(float) / 16  # a handwritten 0
            filters = {
                figure_text("세로 경계", "vertical edge"): [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
                figure_text("가로 경계", "horizontal edge"): [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
                figure_text("대각선", "diagonal"): [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]],
                figure_text("흐림", "blur"): [[1 / 9] * 3] * 3,
            }
            w = np.array(list(filters.values()), dtype=float)[:, None]  # (4, 1, 3, 3)
            maps = conv2d(digit[None, None], w, padding=1)  # (1, 4, 8, 8)
            fig, axes = plt.subplots(1, 5, figsize=(13, 3.6), layout="constrained")
            axes[0].imshow(digit, cmap="gray_r")
            axes[0].set_title(figure_text("숫자", "digit") + " (1, 1, 8, 8)", fontsize=10)
            for ax, name, fmap in zip(axes[1:], filters, maps[0]):
                limit = np.abs(fmap).max() or 1.0  # centred: white is 0, red +, blue -
                image = ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
                fig.colorbar(image, ax=ax, shrink=0.75)
                ax.set_title(name, fontsize=10)
            for ax in axes:
                ax.set_xticks([])
                ax.set_yticks([])
            fig.suptitle(figure_text(f"필터 4개 → 출력 {maps.shape} (흰색 0, 빨강 +, 파랑 −)",
                                     f"4 filters -> output {maps.shape} (white = 0, red > 0, blue < 0)"))
            plt.show()
        """),
        md(bi(
            """
            ## 정리
            - 한 칸의 값: 윈도우와 필터를 곱해 모두 더하고(모든 채널) 편향을 더함, `W·X + b`.
            - 필터 하나 → 특성 맵 하나; 필터 F개 → 출력 깊이 F.
            - 크기와 패딩은 여러분의 `output_size`, `same_padding`, `zero_pad`가 정합니다.
            - 다음 노트북: 풀링, 평탄화, 완전연결층으로 작은 CNN을 완성합니다.
            """,
            """
            ## Summary
            - One cell: multiply window and filter, sum over everything (all channels), add the
              bias, `W·X + b`.
            - One filter → one feature map; F filters → an output F deep.
            - Sizes and padding come from your own `output_size`, `same_padding` and `zero_pad`.
            - Next notebook: pooling, flattening and a fully connected layer complete a tiny CNN.
            """)),
    ]
