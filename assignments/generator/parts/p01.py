"""Notebook 1: how big a feature map is (output_size), after the lecture's hand computation."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, code, demo, md, task

PREDICTION = """
# 손으로 계산한 3×3 특성 맵을 적으세요. None을 숫자로 바꾸면 됩니다(채점하지 않습니다).
# Write the 3×3 feature map you worked out by hand: replace each None (not graded).
my_feature_map = [
    [4, None, None],
    [None, None, None],
    [None, None, None],
]
"""


def cells(lesson):
    return [
        md(bi(
            """
            # 1. 특성 맵의 크기 · Feature-map size

            합성곱 층(convolution layer)은 작은 **필터**(filter, 커널이라고도 부릅니다)를 이미지 위에
            올려놓고 조금씩 옮겨 가며 계산합니다. 필터가 놓인 위치마다 필터의 가중치와 그 아래 픽셀을
            곱해 모두 더하고 편향을 더하면(`W·X + b`) 숫자 하나가 나옵니다. 이 숫자들을 위치 순서대로
            모은 격자가 **특성 맵**(feature map, activation map)입니다.

            이 노트북에서는 강의의 예를 먼저 손으로 계산해 보고, 특성 맵이 몇 칸이 되는지 알려 주는
            규칙을 함수 `output_size`로 만듭니다.
            """,
            """
            A convolution layer places a small **filter** (also called a kernel) on the image and
            moves it step by step. At every position it multiplies the filter's weights with the
            pixels underneath, adds them up and adds a bias (`W·X + b`), giving one number.
            Those numbers, laid out in the order of the positions, form the **feature map**
            (activation map).

            This notebook first works through the lecture's example by hand, then turns the rule
            for how many cells a feature map has into a function, `output_size`.
            """)),
        md(bi(
            """
            ## 왜 CNN인가

            완전연결층만으로 된 신경망은 입력을 1차원 배열로 받습니다. 그래서 32×32×3 컬러 이미지를
            숫자 3,072개의 한 줄로 펴야 하는데, 이때 어느 픽셀이 어느 픽셀 옆에 있었는지(공간 정보)가
            사라집니다. 강의가 소개하는 고양이 실험에서는 뉴런마다 그림의 작은 부분 하나에만 반응했고,
            작은 부분들이 모여 전체를 알아보았습니다. CNN도 그렇게 합니다. 작은 필터 하나가 이미지의
            모든 위치를 같은 가중치로 훑으며 모서리나 얼룩 같은 작은 패턴을 찾고, 층을 쌓을수록 더 큰
            패턴을 알아봅니다. 이미지는 끝까지 3차원 그대로 다루고, 마지막에만 평탄화해서 완전연결층으로
            분류합니다.
            """,
            """
            ## Why a CNN

            A network of fully connected layers only takes 1-D input, so a 32×32×3 colour image has
            to be laid out as one row of 3,072 numbers, and which pixel sat next to which (the
            spatial layout) is lost. In the cat experiment the lecture describes, each neuron
            answered one small part of the picture, and the parts together made up the whole. A
            CNN does the same: one small filter sweeps every position of the image with the same
            weights, finding small patterns such as edges and blobs, and stacked layers see larger
            patterns. The image stays 3-D until the very end, where it is flattened for a fully
            connected layer that classifies it.
            """)),
        md(lesson.points(), bi(
            """
            아래의 잠긴 셀은 제공 코드를 불러옵니다. 위에서부터 차례로 실행하세요.
            """,
            """
            The locked cells below load the provided code. Run the cells from the top.
            """)),
        *lesson.setup_cells(),
        md(bi(
            """
            ## 먼저 손으로: 강의의 5×5 예

            강의는 0과 1로 된 5×5 흑백 이미지에 3×3 필터 `[[1, 0, 1], [0, 1, 0], [1, 0, 1]]`를
            올려놓고 한 칸씩 옮기며 계산합니다. 여기서 **필터가 가중치 W**이고, 필터 아래에 놓인 3×3
            이미지 조각이 입력 **X**입니다. 필터는 학습으로 정해지는 값이고, 이미지 조각은 필터가 옮겨
            갈 때마다 바뀝니다. 위치마다 겹쳐 놓인 수끼리 곱해 모두 더하면(`W·X`, 강의처럼 편향 b = 0)
            숫자 하나가 나옵니다.

            왼쪽 위 위치에서는 필터의 1이 있는 다섯 칸 아래에 픽셀 1, 1, 1, 0, 1이 있으므로 더하면
            **4**입니다. 필터는 가로로 세 위치, 세로로 세 위치에 놓일 수 있으니 특성 맵은 3×3입니다.

            **여러분 차례:** 나머지 여덟 칸을 종이에 계산해서 아래 셀의 `None`을 바꾸고, 그다음 셀로
            확인하세요. 확인하는 셀은 틀린 위치만 알려 주고 답은 보여 주지 않습니다. 이 계산은 채점하지
            않지만, 노트북 3에서 쓸 `conv2d_single`이 하는 일이 바로 이것입니다.
            """,
            """
            ## First by hand: the lecture's 5×5 example

            The lecture lays the 3×3 filter `[[1, 0, 1], [0, 1, 0], [1, 0, 1]]` on a 5×5 grey image
            of 0s and 1s and moves it one pixel at a time. The **filter is the weights W**; the 3×3
            patch of the image under it is the input **X**. The filter is what training sets; the
            patch changes every time the filter moves. At each position, multiply the numbers that
            lie on top of each other and add them up (`W·X`, bias b = 0 as in the lecture) to get
            one number.

            At the top-left position the filter's five 1s lie on the pixels 1, 1, 1, 0, 1, which
            add up to **4**. The filter fits three positions across and three down, so the feature
            map is 3×3.

            **Your turn:** work out the other eight cells on paper, replace the `None`s in the cell
            below, then run the next cell to check. It says which positions are wrong, never the
            answer. This is not graded, but it is exactly what `conv2d_single` will do in
            notebook 3.
            """)),
        demo("""
            image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                              [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
            kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])  # the weights W
            fig, axes = plt.subplots(1, 3, figsize=(11, 4.2), layout="constrained",
                                     gridspec_kw={"width_ratios": [5, 3, 3]})
            titles = (figure_text("5×5 이미지 (X: 필터 아래 조각)", "image 5x5 (X: the patch under the filter)"),
                      figure_text("3×3 필터 = 가중치 W", "filter 3x3 = weights W"),
                      figure_text("3×3 특성 맵: 나머지는 여러분이", "feature map 3x3: the rest is yours"))
            unknown = np.zeros((3, 3), dtype=int)
            for ax, grid, title in zip(axes, (image, kernel, unknown), titles):
                ax.imshow(grid, cmap="Blues", vmin=0, vmax=1.6)
                for (r, c), v in np.ndenumerate(grid):
                    shown = str(v) if grid is not unknown else ("4" if (r, c) == (0, 0) else "?")
                    ax.text(c, r, shown, ha="center", va="center", fontsize=13)
                ax.set_title(title, fontsize=10)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[0].add_patch(plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, lw=3, color="tab:red"))
            axes[2].add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, fill=False, lw=3, color="tab:red"))
            fig.suptitle(figure_text("왼쪽 위", "top-left", sep=" · ")
                         + ": 1·1 + 0·1 + 1·1 + 0·0 + 1·1 + 0·1 + 1·0 + 0·0 + 1·1 = 4")
            plt.show()
        """),
        code(PREDICTION, "convlab:exercise"),
        code("""
            from selfcheck import check_hand_computation
            check_hand_computation(my_feature_map)
        """, "convlab:selfcheck"),
        md(bi(
            """
            강의의 두 번째 예는 더 작습니다. 4×4 입력에 3×3 필터를 한 칸씩 옮기면 필터는 가로로 두
            위치, 세로로 두 위치에만 놓이므로 특성 맵은 2×2입니다(노트북 3에서 편향을 더해 숫자로
            따라가 봅니다). 5×5 → 3×3, 4×4 → 2×2: 특성 맵의 크기는 이미지 크기, 필터 크기, 옮기는
            간격으로 정해집니다. 이제 그 규칙을 식으로 만듭니다.
            """,
            """
            The lecture's second example is smaller: a 3×3 filter moving one pixel at a time over
            a 4×4 input fits two positions across and two down, so the feature map is 2×2
            (notebook 3 follows it number by number, bias included). 5×5 → 3×3, 4×4 → 2×2: the
            size of a feature map follows from the image size, the filter size and the step. Now
            we turn that into a rule.
            """)),
        md(bi(
            """
            ## 필터가 놓일 수 있는 위치의 수

            한 축만 보겠습니다. 입력이 N 픽셀, 필터가 F 픽셀이고 한 번에 S 픽셀씩(**스트라이드**,
            stride) 움직인다면 첫 위치는 0에서, 마지막 위치는 N − F에서 시작합니다. 그 사이를 S 간격으로
            나누면 위치는 `(N − F) / S + 1`개입니다.

            강의의 예: 7×7 이미지에 3×3 필터를 쓰면
            - 스트라이드 1: (7 − 3)/1 + 1 = **5** → 5×5 특성 맵
            - 스트라이드 2: (7 − 3)/2 + 1 = **3** → 3×3 특성 맵
            - 스트라이드 3: (7 − 3)/3 + 1 = **2.33…** → 필터가 딱 맞게 놓이지 않습니다.

            위치의 수는 세는 수이므로 **자연수**(1, 2, 3, …)여야 합니다. 2.33이 나왔다는 것은 세 번째
            위치에서 필터가 이미지 밖으로 삐져나온다는 뜻입니다. 이런 설정은 잘못된 것이므로
            `output_size`는 계산 과정을 보여 주는 `ValueError` 예외를 발생시킵니다.
            """,
            """
            ## How many positions the filter can take

            Look at one axis. With an input of N pixels, a filter of F pixels and a step of S
            pixels (the **stride**), the first position starts at 0 and the last at N − F. Cutting
            that distance into steps of S gives `(N − F) / S + 1` positions.

            The lecture's example, a 7×7 image and a 3×3 filter:
            - stride 1: (7 − 3)/1 + 1 = **5** → a 5×5 feature map
            - stride 2: (7 − 3)/2 + 1 = **3** → a 3×3 feature map
            - stride 3: (7 − 3)/3 + 1 = **2.33…** → the filter does not fit evenly.

            A number of positions is a count, so it has to be a **natural number** (1, 2, 3, …).
            Getting 2.33 means the third position would hang over the edge of the image. Such a
            setting is a mistake, so `output_size` raises a `ValueError` that shows the arithmetic.
            """)),
        demo("""
            def draw_positions(ax, n=7, f=3, s=1):
                \"\"\"Each position of an f-wide filter on n pixels, stride s; red = does not fit.\"\"\"
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
                ax.set_title(figure_text(f"스트라이드 {s}", f"stride {s}", sep=" · ")
                             + f": N={n}, F={f}, (N - F)/S + 1 = {value:.3g}")
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
            # 2 pixels right, and at the end of a row 2 pixels down: 3 x 3 positions.
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
            axes[0].set_title(figure_text(f"{n}×{n} 이미지, {f}×{f} 필터, 스트라이드 {s}: 숫자는 왼쪽 위 픽셀",
                                          f"{n}x{n} image, {f}x{f} filter, stride {s}: numbers = top-left pixels"),
                              fontsize=10)
            axes[1].set_xlim(-0.5, 2.5)
            axes[1].set_ylim(2.5, -0.5)
            axes[1].set_title(figure_text(f"특성 맵 ({n} - {f})/{s} + 1 = 3, 즉 3×3",
                                          f"feature map ({n} - {f})/{s} + 1 = 3, so 3x3"), fontsize=10)
            for ax in axes:
                ax.set_xticks(range(n) if ax is axes[0] else [])
                ax.set_yticks(range(n) if ax is axes[0] else [])
            plt.show()
        """),
        md(bi(
            """
            ## 직사각형 입력, 그리고 강의의 오타

            입력의 높이와 너비가 다를 수도 있습니다. 높이 H, 너비 W, 필터 FH×FW, 스트라이드 S, 사방에
            두르는 0의 두께 P(패딩, 다음 노트북에서 다룹니다)라고 하면 두 축을 따로 계산합니다.

            - 출력 높이: `OH = (H + 2P − FH) / S + 1`
            - 출력 너비: `OW = (W + 2P − FW) / S + 1`

            ⚠️ 강의 본문에는 너비 공식이 `OW = (H + 2P + FW)/S + 1`로 적혀 있는데, 이것은 오타입니다.
            너비는 높이 H가 아니라 **너비 W**로 계산하고, 필터 크기는 **빼야** 합니다. 예를 들어
            7×9 입력(H=7, W=9)에 3×3 필터, 스트라이드 2, 패딩 0이면 OH = (7 − 3)/2 + 1 = 3,
            OW = (9 − 3)/2 + 1 = 4 입니다. 오타대로 계산하면 (7 + 3)/2 + 1 = 6이 나오는데, 폭이 3인
            필터가 9칸 위를 2칸씩 움직여서 6개의 위치에 놓일 수는 없습니다.

            두 값 모두 자연수여야 합니다. 그래서 한 축만 계산하는 함수 `output_size`를 만들고, 높이와
            너비에 한 번씩 부릅니다. 노트북 3의 합성곱이 여러분의 `output_size`를 그렇게 씁니다.
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
            stepping by 2 over 9 pixels cannot take 6 positions.

            Both numbers must be natural numbers. So one function handles one axis (`output_size`)
            and is called once for the height and once for the width; notebook 3's convolution
            uses your `output_size` exactly that way.
            """)),
        demo("""
            H, W, FH, FW, S, P = 7, 9, 3, 3, 2, 0
            print("OH =", (H + 2 * P - FH) / S + 1)
            print("OW =", (W + 2 * P - FW) / S + 1, " (올바른 너비 공식 · correct width formula)")
            print("오타 · typo:", (H + 2 * P + FW) / S + 1, " (강의의 오식, 크기가 아님 · the lecture's misprint, not a size)")
        """),
        md(bi(
            """
            ## `output_size` 작성하기

            패딩은 다음 노트북에서 직접 붙여 보지만, 크기 계산에는 지금 넣어 둡니다. 가장자리에 0을
            P겹 두르면 입력이 양쪽으로 P씩, 모두 2P만큼 커집니다. 7×7 입력에 3×3 필터, 스트라이드 1,
            P = 1이면 (7 + 2·1 − 3)/1 + 1 = **7**, 즉 크기가 그대로입니다.

            세 단계로 작성하세요. 채점 항목도 이 순서입니다.
            1. **강의의 규칙**: 정수 패딩 `p`로 `(n + 2p − f) / stride + 1`. 자연수가 아니면(필터가
               끝에서 삐져나오면) 계산식을 보여 주는 `ValueError` 예외를 발생시키세요. 잘못된 인자
               (1보다 작은 크기, 정수가 아닌 값)에도 `ValueError`나 `TypeError` 예외를 발생시킵니다.
               제공 함수 `positive_int`가 이 검사를 해 줍니다. *(채점 항목: 강의의 예, 패딩, 정수가
               아닌 크기 거부)*
            2. **양쪽이 다른 패딩**: `padding=(앞, 뒤)`이면 2p 대신 `앞 + 뒤`를 씁니다. 제공 함수
               `_axis_padding`이 `p`와 `(앞, 뒤)`를 모두 `(앞, 뒤)`로 바꿔 줍니다. *(채점 항목:
               (앞, 뒤) 패딩)*
            3. **TensorFlow의 이름**: 강의의 실습(TensorFlow)은 패딩을 문자열로도 씁니다.
               `"valid"`는 패딩 없이 필터가 닿지 않는 끝 픽셀을 버리므로 내림하고, `"same"`은
               `ceil(n / stride)`입니다. 필요한 패딩의 양은 다음 노트북에서 구합니다. *(채점 항목:
               valid와 same)*
            """,
            """
            ## Write `output_size`

            The next notebook adds padding for real; the size rule takes it now. A border of P
            zeros makes the input P larger on each side, 2P in total. A 7×7 input, a 3×3 filter,
            stride 1 and P = 1 give (7 + 2·1 − 3)/1 + 1 = **7**: the size is kept.

            Write it in three steps; the graded items follow the same order.
            1. **The lecture's rule**: integer padding `p`, `(n + 2p − f) / stride + 1`. When that
               is not a natural number (the filter hangs over the edge), raise a `ValueError`
               whose message shows the arithmetic. Bad arguments (sizes below 1, numbers that are
               not whole) raise `ValueError` or `TypeError` too; the provided `positive_int` does
               that check. *(graded items: lecture examples, padding, rejects non-integer sizes)*
            2. **Different padding on each side**: with `padding=(before, after)`, use
               `before + after` instead of 2p. The provided `_axis_padding` turns both `p` and
               `(before, after)` into `(before, after)`. *(graded item: (before, after) padding)*
            3. **TensorFlow's names**: the lecture's lab (TensorFlow) also names padding with
               strings. `"valid"` uses no padding and rounds down, dropping the pixels the filter
               cannot reach; `"same"` gives `ceil(n / stride)`. How much padding that takes is the
               next notebook's question. *(graded item: valid and same)*
            """)),
        *task("output_size"),
        demo("""
            for stride in (1, 2, 3):
                try:
                    print(f"7x7, 3x3, stride {stride}:", output_size(7, 3, stride))
                except ValueError as error:
                    print(f"7x7, 3x3, stride {stride}: ValueError:", error)
            print("32x32 이미지, 5x5 필터 · image, filter:", output_size(32, 5))
            print("4x4 입력, 3x3 필터 · input, filter:", output_size(4, 3))
            print("7x7, 패딩 1 · padding 1:", output_size(7, 3, padding=1))
        """),
        md(bi(
            """
            ## 정리
            - 한 축의 출력 크기: `(N + 2P − F) / S + 1`, 반드시 자연수.
            - 높이와 너비는 따로: `OH = (H + 2P − FH)/S + 1`, `OW = (W + 2P − FW)/S + 1`
              (강의의 `(H + 2P + FW)`는 오타).
            - 다음 노트북: `"same"`에 필요한 패딩(`same_padding`)과, 패딩을 실제로 붙이는 `zero_pad`.
            """,
            """
            ## Summary
            - Output size along one axis: `(N + 2P − F) / S + 1`, always a natural number.
            - Height and width separately: `OH = (H + 2P − FH)/S + 1`, `OW = (W + 2P − FW)/S + 1`
              (the lecture's `(H + 2P + FW)` is a typo).
            - Next notebook: the padding `"same"` needs (`same_padding`), and `zero_pad`, which
              actually adds it.
            """)),
    ]
