"""Notebook 1: how big a feature map is (output_size, same_padding)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 1. 피처 맵의 크기 · Feature-map size

            합성곱(convolution) 층은 작은 **필터**(커널이라고도 부릅니다)를 이미지 위에 올려놓고
            조금씩 옮겨 가며 계산합니다. 필터가 놓인 자리마다 가중치와 그 아래 픽셀을 곱해 더하고
            편향을 더해(`W·X + b`) 숫자 하나를 얻습니다. 이 숫자들을 자리 순서대로 모은 격자가
            **피처 맵**(activation map)입니다. 이 노트북에서는 계산을 하기 전에 먼저 피처 맵이 몇 칸이
            되는지부터 구합니다.
            """,
            """
            A convolution layer places a small **filter** (also called a kernel) on the image and
            moves it step by step. At every place it multiplies the weights with the pixels
            underneath, adds them up and adds a bias (`W·X + b`), giving one number. Those numbers,
            laid out in the order of the places, form the **feature map** (activation map). Before
            computing any of them, this notebook works out how many cells the feature map has.
            """),
            lesson.points()),
        *lesson.setup_cells(),
        md(bi(
            """
            ## 먼저 손으로: 강의의 5×5 예

            강의는 5×5 흑백 이미지(0과 1)에 3×3 필터 `[[1, 0, 1], [0, 1, 0], [1, 0, 1]]`를 올려놓고
            한 칸씩 옮기며 계산합니다. 여기서 **필터가 가중치 W**이고, 필터 아래에 놓인 3×3 이미지
            조각이 입력 **X**입니다. 필터는 학습으로 정해지는 값이고, 이미지 조각은 필터가 옮겨 갈
            때마다 바뀝니다. 자리마다 같은 위치의 수끼리 곱해 모두 더하면(`W·X`, 편향 b = 0) 숫자 하나가
            나옵니다. 왼쪽 위 자리에서는 필터의 1이 있는 다섯 곳의 픽셀 1, 1, 1, 0, 1을 더해 **4**가
            됩니다. 세 줄, 세 칸을 모두 채우면 피처 맵은 `[[4, 3, 4], [2, 4, 3], [2, 3, 4]]`입니다.

            두 번째 예는 더 작습니다: 4×4 입력에 3×3 필터를 한 칸씩 옮기면 필터는 가로로 두 자리,
            세로로 두 자리에만 놓이므로 피처 맵은 2×2입니다(노트북 3에서 숫자로 따라가 봅니다).
            5×5 → 3×3, 4×4 → 2×2: 피처 맵의 크기는 이미지 크기, 필터 크기, 옮기는 간격으로 정해집니다.
            이 노트북은 그 규칙을 식으로 만듭니다.
            """,
            """
            ## First by hand: the lecture's 5×5 example

            The lecture lays the 3×3 filter `[[1, 0, 1], [0, 1, 0], [1, 0, 1]]` on a 5×5 grey image
            of 0s and 1s and moves it one pixel at a time. The **filter is the weights W**; the 3×3
            patch of the image under it is the input **X**. The filter is what training sets; the
            patch changes every time the filter moves. At each place, multiply the numbers that
            lie on top of each other and add them up (`W·X`, bias b = 0) to get one number. At the
            top-left place the filter's five 1s sit on the pixels 1, 1, 1, 0, 1, which add up to
            **4**. Filling all three rows and columns gives the feature map
            `[[4, 3, 4], [2, 4, 3], [2, 3, 4]]`.

            The second example is smaller: a 3×3 filter moving one pixel at a time over a 4×4
            input has only two places across and two down, so the feature map is 2×2 (notebook 3
            follows it number by number). 5×5 → 3×3, 4×4 → 2×2: the size of a feature map follows
            from the image size, the filter size and the step. This notebook turns that into a rule.
            """)),
        demo("""
            image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                              [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
            kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])  # the weights W
            feature_map = np.array([[np.sum(image[i : i + 3, j : j + 3] * kernel) for j in range(3)]
                                    for i in range(3)])  # W·X at each place, b = 0
            fig, axes = plt.subplots(1, 3, figsize=(11, 3.8),
                                     gridspec_kw={"width_ratios": [5, 3, 3]})
            for ax, grid, title in zip(axes, (image, kernel, feature_map),
                                       ("image 5x5 (X: the patch under the filter)",
                                        "filter 3x3 = weights W", "feature map 3x3")):
                ax.imshow(grid, cmap="Blues", vmin=0, vmax=max(grid.max(), 1) * 1.6)
                for (r, c), v in np.ndenumerate(grid):
                    ax.text(c, r, str(v), ha="center", va="center", fontsize=13)
                ax.set_title(title)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[0].add_patch(plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, lw=3, color="tab:red"))
            axes[2].add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, fill=False, lw=3, color="tab:red"))
            fig.suptitle("top-left: 1·1 + 0·1 + 1·1 + 0·0 + 1·1 + 0·1 + 1·0 + 0·0 + 1·1 = 4")
            plt.show()
            print(feature_map.tolist())
        """),
        md(bi(
            """
            ### 축 순서: NCHW와 NHWC

            이 과제의 배열은 **NCHW** 순서입니다: `(이미지 수 N, 채널 C, 높이 H, 너비 W)`. 강의의
            32×32×3 이미지 한 장은 `(1, 3, 32, 32)`입니다. 이 강의의 실습(TensorFlow)은 **NHWC**,
            즉 `(N, H, W, C)` = `(1, 32, 32, 3)`를 씁니다. 같은 숫자를 다른 순서로 놓았을 뿐이라
            `x.transpose(0, 3, 1, 2)`가 NHWC를 NCHW로, `x.transpose(0, 2, 3, 1)`이 다시 NHWC로
            바꿉니다. 필터도 마찬가지로 여기서는 `(F, C, FH, FW)`, TensorFlow에서는
            `(FH, FW, C, F)`입니다.
            """,
            """
            ### Axis order: NCHW and NHWC

            Arrays in this assignment are **NCHW**: `(number of images N, channels C, height H,
            width W)`. The lecture's single 32×32×3 image is `(1, 3, 32, 32)`. The lecture's lab
            (TensorFlow) uses **NHWC**, `(N, H, W, C)` = `(1, 32, 32, 3)`. The numbers are the same,
            only their order differs: `x.transpose(0, 3, 1, 2)` turns NHWC into NCHW and
            `x.transpose(0, 2, 3, 1)` turns it back. Filters likewise: `(F, C, FH, FW)` here,
            `(FH, FW, C, F)` in TensorFlow.
            """)),
        md(bi(
            """
            ## 필터가 놓일 수 있는 자리의 수

            한 축만 보겠습니다. 입력이 N 픽셀, 필터가 F 픽셀이고 한 번에 S(**스트라이드**, stride) 픽셀씩
            움직인다면, 첫 자리는 0에서 시작하고 마지막 자리는 N − F 입니다. 그 사이를 S 간격으로
            나누면 자리의 개수는 `(N − F) / S + 1` 입니다.

            강의의 예: 7×7 이미지에 3×3 필터를 쓰면
            - 스트라이드 1: (7 − 3)/1 + 1 = **5** → 5×5 피처 맵
            - 스트라이드 2: (7 − 3)/2 + 1 = **3** → 3×3 피처 맵
            - 스트라이드 3: (7 − 3)/3 + 1 = **2.33…** → 필터가 딱 맞게 놓이지 않습니다.

            자리의 수는 셀 수 있는 개수이므로 **자연수**(1, 2, 3, …)여야 합니다. 2.33이 나왔다는 것은
            세 번째 자리에서 필터가 이미지 밖으로 벗어난다는 뜻입니다. 이런 설정은 잘못된 것이므로
            `output_size`는 계산 과정을 보여 주는 `ValueError` 예외를 발생시킵니다.
            """,
            """
            ## How many places the filter can take

            Look at one axis. With an input of N pixels, a filter of F pixels and a step of S
            pixels (the **stride**), the first place starts at 0 and the last at N − F. Cutting that
            distance into steps of S gives `(N − F) / S + 1` places.

            The lecture's example, a 7×7 image and a 3×3 filter:
            - stride 1: (7 − 3)/1 + 1 = **5** → a 5×5 feature map
            - stride 2: (7 − 3)/2 + 1 = **3** → a 3×3 feature map
            - stride 3: (7 − 3)/3 + 1 = **2.33…** → the filter does not fit evenly.

            A number of places is a count, so it has to be a **natural number** (1, 2, 3, …).
            Getting 2.33 means the third place would hang over the edge of the image. Such a
            setting is a mistake, so `output_size` raises a `ValueError` that shows the arithmetic.
            """)),
        demo("""
            def draw_positions(ax, n=7, f=3, s=1):
                \"\"\"Each place of an f-wide filter on n pixels, stride s; red = does not fit.\"\"\"
                for k in range(n):
                    ax.add_patch(plt.Rectangle((k, 0), 1, 1, fill=False))
                    ax.text(k + 0.5, 0.5, str(k), ha="center", va="center", color="gray")
                starts = list(range(0, n - f + 1, s))
                if (n - f) % s:  # one more step would be needed, and it hangs over the edge
                    starts.append(starts[-1] + s)
                for level, start in enumerate(starts):
                    fits = start + f <= n
                    ax.add_patch(plt.Rectangle(
                        (start + 0.05, 1.2 + 0.4 * level), f - 0.1, 0.3,
                        color="tab:blue" if fits else "tab:red", alpha=0.6 if fits else 0.35))
                value = (n - f) / s + 1
                ax.set_title(f"N={n}, F={f}, stride {s}: (N - F)/S + 1 = {value:.3g}")
                ax.set_xlim(-0.5, n + 3)
                ax.set_ylim(-0.2, 4.2)
                ax.axis("off")


            fig, axes = plt.subplots(3, 1, figsize=(7, 6))
            for ax, s in zip(axes, (1, 2, 3)):
                draw_positions(ax, s=s)
            fig.tight_layout()
            plt.show()
        """),
        demo("""
            # The same in two dimensions: a 3x3 filter on a 7x7 image with stride 2 moves
            # 2 pixels right, and at the end of a row 2 pixels down: 3 x 3 places.
            n, f, s = 7, 3, 2
            places = [(i, j) for i in range(0, n - f + 1, s) for j in range(0, n - f + 1, s)]
            fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": [7, 3]})
            axes[0].imshow(np.zeros((n, n)), cmap="Greys", vmin=0, vmax=1)
            for k, (i, j) in enumerate(places):
                colour = plt.cm.tab10(k)
                axes[0].add_patch(plt.Rectangle((j - 0.5 + 0.06 * (k % 3), i - 0.5 + 0.06 * (k // 3)),
                                                f - 0.12, f - 0.12, fill=False, lw=2, color=colour))
                axes[0].text(j, i, str(k), color=colour, ha="center", va="center", fontsize=12)
                axes[1].add_patch(plt.Rectangle((k % 3 - 0.5, k // 3 - 0.5), 1, 1, color=colour,
                                                alpha=0.5))
                axes[1].text(k % 3, k // 3, str(k), ha="center", va="center", fontsize=12)
            axes[0].set_title(f"{n}x{n} image, {f}x{f} filter, stride {s}: numbers = top-left pixels")
            axes[1].set_xlim(-0.5, 2.5)
            axes[1].set_ylim(2.5, -0.5)
            axes[1].set_title(f"feature map ({n} - {f})/{s} + 1 = 3, so 3x3")
            for ax in axes:
                ax.set_xticks(range(n) if ax is axes[0] else [])
                ax.set_yticks(range(n) if ax is axes[0] else [])
            plt.show()
        """),
        md(bi(
            """
            ## 직사각형 입력, 그리고 강의의 오타

            입력의 높이와 너비가 다를 수도 있습니다. 높이 H, 너비 W, 필터 FH×FW, 스트라이드 S, 사방에
            붙이는 0의 두께(패딩, 다음 노트북에서 다룹니다) P라고 하면 두 축을 따로 계산합니다.

            - 출력 높이: `OH = (H + 2P − FH) / S + 1`
            - 출력 너비: `OW = (W + 2P − FW) / S + 1`

            ⚠️ 강의 본문에는 너비 공식이 `OW = (H + 2P + FW)/S + 1`로 적혀 있는데, 이것은 오타입니다.
            너비는 높이 H가 아니라 **너비 W**로 계산하고, 필터 크기는 **빼야** 합니다. 예를 들어
            7×9 입력(H=7, W=9)에 3×3 필터, 스트라이드 2, 패딩 0이면 OH = (7 − 3)/2 + 1 = 3,
            OW = (9 − 3)/2 + 1 = 4 입니다. 오타대로 계산하면 (7 + 3)/2 + 1 = 6 이 나오는데, 필터가
            9칸 위에서 2칸씩 움직여 6자리에 놓일 수는 없습니다.

            두 값 모두 자연수여야 합니다. 그래서 한 축의 계산만 맡는 함수 하나(`output_size`)를 만들고
            높이와 너비에 한 번씩 부릅니다. 다음 노트북들의 제공 함수 `output_shape`가 그렇게 합니다.
            """,
            """
            ## Rectangular inputs, and the lecture's typo

            Height and width may differ. With height H, width W, a filter FH×FW, stride S and a
            border of P zeros on every side (padding, next notebook), each axis is computed on its own:

            - output height: `OH = (H + 2P − FH) / S + 1`
            - output width: `OW = (W + 2P − FW) / S + 1`

            ⚠️ The lecture prints the width formula as `OW = (H + 2P + FW)/S + 1`, which is a typo:
            the width uses the **width W**, not the height H, and the filter size is **subtracted**.
            For a 7×9 input (H=7, W=9), a 3×3 filter, stride 2 and no padding: OH = (7 − 3)/2 + 1 = 3
            and OW = (9 − 3)/2 + 1 = 4. The typo would give (7 + 3)/2 + 1 = 6, yet a 3-wide filter
            stepping by 2 over 9 pixels cannot take 6 places.

            Both numbers must be natural numbers. So one function handles one axis (`output_size`)
            and is called once for the height and once for the width; the provided `output_shape`
            of the later notebooks does exactly that.
            """)),
        demo("""
            H, W, FH, FW, S, P = 7, 9, 3, 3, 2, 0
            print("OH =", (H + 2 * P - FH) / S + 1)
            print("OW =", (W + 2 * P - FW) / S + 1, " (correct width formula)")
            print("typo:", (H + 2 * P + FW) / S + 1, " (the lecture's misprint, not a size)")
        """),
        md(bi(
            """
            ## 패딩 미리 보기

            가장자리에 0을 P겹 두르면 입력이 양쪽으로 P씩, 모두 2P만큼 커집니다. 7×7 입력에 3×3 필터,
            스트라이드 1, P = 1이면 (7 + 2·1 − 3)/1 + 1 = **7**, 즉 크기가 그대로 유지됩니다.
            위, 아래, 왼쪽, 오른쪽에 서로 다른 두께를 줄 수도 있으므로 `padding`은 `p` 하나 또는
            `(앞, 뒤)` 쌍으로 받습니다. 그때 분자의 2P는 `앞 + 뒤`가 됩니다.

            **`output_size` 작성하기: 세 단계로.** 채점 항목도 이 순서입니다.
            1. **핵심(강의 그대로)**: 정수 패딩 `p`로 `(n + 2p − f) / stride + 1`. 자연수가 아니면
               (필터가 끝에서 삐져나오면) 계산식을 보여 주는 `ValueError` 예외를 발생시키세요.
               잘못된 인자(0 이하의 크기, 정수가 아닌 값)에도 `ValueError`/`TypeError` 예외를
               발생시킵니다. 제공 함수 `positive_int`가 이 검사를 해 줍니다.
               *(채점 항목: lecture examples, padding, rejects non-integer sizes)*
            2. **양쪽이 다른 패딩**: `padding=(앞, 뒤)`이면 2p 대신 `앞 + 뒤`. 제공 함수
               `_axis_padding`이 `p`와 `(앞, 뒤)`를 모두 `(앞, 뒤)`로 바꿔 줍니다. *(채점 항목: (before, after) padding)*
            3. **TensorFlow의 문자열**: `"valid"`는 패딩 없이 남는 픽셀을 버리며 내림하고,
               `"same"`은 `ceil(n / stride)`입니다. *(채점 항목: valid and same)*
            """,
            """
            ## Padding, a preview

            A border of P zeros makes the input P larger on each side, 2P in total. A 7×7 input, a
            3×3 filter, stride 1 and P = 1 give (7 + 2·1 − 3)/1 + 1 = **7**: the size is kept.
            The sides may differ, so `padding` is a single `p` or a pair `(before, after)`; the
            2P in the formula then becomes `before + after`.

            **Write `output_size`, in three steps.** The graded items follow the same order.
            1. **The core (the lecture's rule)**: integer padding `p`, `(n + 2p − f) / stride + 1`.
               When that is not a natural number (the filter hangs over the edge), raise a
               `ValueError` whose message shows the arithmetic. Bad arguments (sizes below 1,
               numbers that are not whole) raise `ValueError`/`TypeError` too; the provided
               `positive_int` does that check. *(graded items: lecture examples, padding,
               rejects non-integer sizes)*
            2. **Different padding on each side**: with `padding=(before, after)`, use
               `before + after` instead of 2p. The provided `_axis_padding` turns both `p` and
               `(before, after)` into `(before, after)`. *(graded item: (before, after) padding)*
            3. **TensorFlow's strings**: `"valid"` uses no padding and rounds down, dropping the
               pixels the filter cannot reach; `"same"` gives `ceil(n / stride)`. *(graded item:
               valid and same)*
            """)),
        *task("output_size"),
        demo("""
            for stride in (1, 2, 3):
                try:
                    print(f"7x7, 3x3, stride {stride}:", output_size(7, 3, stride))
                except ValueError as error:
                    print(f"7x7, 3x3, stride {stride}: ValueError:", error)
            print("32x32 image, 5x5 filter:", output_size(32, 5))
            print("4x4 input, 3x3 filter:", output_size(4, 3))
            print("7x7 with padding 1:", output_size(7, 3, padding=1))
        """),
        md(bi(
            """
            ## 정리
            - 한 축의 출력 크기: `(N + 2P − F) / S + 1`, 반드시 자연수.
            - 높이와 너비는 따로: `OH = (H + 2P − FH)/S + 1`, `OW = (W + 2P − FW)/S + 1`
              (강의의 `(H + 2P + FW)`는 오타).
            - 다음 노트북: 패딩을 실제로 붙이는 `zero_pad`.
            """,
            """
            ## Summary
            - Output size along one axis: `(N + 2P − F) / S + 1`, always a natural number.
            - Height and width separately: `OH = (H + 2P − FH)/S + 1`, `OW = (W + 2P − FW)/S + 1`
              (the lecture's `(H + 2P + FW)` is a typo).
            - Next notebook: `zero_pad`, which actually adds the padding.
            """)),
    ]
