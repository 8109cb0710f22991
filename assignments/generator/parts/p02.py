"""Notebook 2: padding (same_padding, zero_pad)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 2. 패딩 · Padding

            패딩 없이 합성곱을 거듭하면 특성 맵이 층마다 작아집니다(7×7에 3×3 필터 → 5×5 → 3×3 …).
            게다가 가장자리 픽셀은 필터가 몇 번 지나가지 않아서 결과에 덜 반영됩니다. 강의는 이 두
            문제를 **패딩**으로 풉니다. 합성곱을 하기 전에 입력 둘레를 어떤 값으로 채우는데, 대개 0으로
            채우므로 **제로 패딩**이라고 부릅니다. 몇 겹을 두를지는 우리가 정하는 하이퍼파라미터이고,
            그 두께로 특성 맵의 크기를 원하는 대로 맞출 수 있습니다.

            이 노트북에서는 TensorFlow의 `"same"`이 몇 겹을 두르는지 계산하는 `same_padding`과, 0을
            실제로 두르는 `zero_pad`를 만듭니다.
            """,
            """
            Without padding every convolution shrinks the feature map (7×7 with a 3×3 filter → 5×5
            → 3×3 …). On top of that the filter passes over the border pixels only a few times, so
            they count less in the result. The lecture solves both with **padding**: before the
            convolution, the input is surrounded by some value, usually 0, hence **zero padding**.
            How many rings to add is a hyper-parameter we choose, and its thickness sets the size
            of the feature map.

            This notebook builds `same_padding`, which works out how many rings TensorFlow's
            `"same"` adds, and `zero_pad`, which adds the zeros.
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
            ## 가장자리는 몇 번 계산될까?

            아래 그림의 숫자는 3×3 필터가 스트라이드 1로 움직일 때 각 픽셀을 덮는 횟수입니다. 패딩이
            없으면 모서리 픽셀은 단 한 번, 가운데 픽셀은 9번 쓰입니다. 0을 한 겹 두르면(P = 1) 원래
            픽셀이 더 고르게 쓰이고, 출력도 7×7로 입력과 크기가 같아집니다.
            """,
            """
            ## How often is the border used?

            The numbers below count how many positions of a 3×3 filter, stride 1, cover each pixel.
            Without padding a corner pixel is used once and a centre pixel nine times. With one
            ring of zeros (P = 1) the original pixels are used more evenly, and the output is 7×7,
            the size of the input.
            """)),
        demo("""
            def coverage(n=7, f=3, p=0):
                \"\"\"How many f×f windows (stride 1) cover each of the n×n original pixels.\"\"\"
                counts = np.zeros((n + 2 * p, n + 2 * p), dtype=int)
                out = n + 2 * p - f + 1
                for i in range(out):
                    for j in range(out):
                        counts[i : i + f, j : j + f] += 1
                return counts[p : p + n, p : p + n]


            fig, axes = plt.subplots(1, 2, figsize=(9, 4.4))
            for ax, p in zip(axes, (0, 1)):
                counts = coverage(p=p)
                ax.imshow(counts, cmap="Blues", vmin=0, vmax=9)
                for (i, j), c in np.ndenumerate(counts):
                    ax.text(j, i, c, ha="center", va="center")
                out = 7 + 2 * p - 3 + 1
                ax.set_title(figure_text(f"7×7 입력, 3×3 필터, 패딩 {p}: 출력 {out}×{out}",
                                         f"7x7 input, 3x3 filter, padding {p}: output {out}x{out}"),
                             fontsize=10)
                ax.set_xticks([])
                ax.set_yticks([])
            plt.show()
        """),
        md(bi(
            """
            ## `"same"` 패딩은 몇 겹일까?

            TensorFlow의 `padding="same"`은 출력 크기를 `ceil(n / stride)`로 정하고, 그 크기에 꼭
            필요한 만큼만 0을 붙입니다. 필요한 패딩의 합은 `max((out − 1)·stride + f − n, 0)`입니다.
            이것을 반으로 나누어 앞(위, 왼쪽)에는 몫을, 뒤(아래, 오른쪽)에는 나머지를 붙입니다. 합이
            홀수이면 남는 한 겹은 뒤쪽으로 갑니다.

            예: `same_padding(7, 3)` → `(1, 1)` (7×7을 유지하는 P = 1),
            `same_padding(8, 3, 2)` → `(0, 1)`, `same_padding(5, 4)` → `(1, 2)`.
            노트북 3의 합성곱은 `padding="same"`을 받으면 이 함수로 패딩을 정합니다.
            """,
            """
            ## How much padding does `"same"` add?

            TensorFlow's `padding="same"` fixes the output size at `ceil(n / stride)` and adds just
            the zeros that size needs. The total is `max((out − 1)·stride + f − n, 0)`; half of it
            (rounded down) goes before (top, left) and the rest after (bottom, right), so an odd
            total puts its extra zero at the end.

            Examples: `same_padding(7, 3)` → `(1, 1)` (the P = 1 that keeps 7×7),
            `same_padding(8, 3, 2)` → `(0, 1)`, `same_padding(5, 4)` → `(1, 2)`. Notebook 3's
            convolution uses this function when it is given `padding="same"`.
            """)),
        *task("same_padding"),
        demo("""
            import math

            for n, f, s in [(7, 3, 1), (8, 3, 2), (5, 4, 1), (32, 5, 1)]:
                before, after = same_padding(n, f, s)
                positions = (n + before + after - f) // s + 1  # notebook 1's rule
                print(f"n={n}, f={f}, stride={s}: 패딩 · pad {before} + {after} -> {positions}"
                      f" 위치 · positions, ceil(n / stride) = {math.ceil(n / s)}")
        """),
        md(bi(
            """
            ## `zero_pad` 작성하기

            `zero_pad(x, pad)`는 배열의 **마지막 두 축**(높이, 너비) 둘레에 0을 붙인 새 배열을
            돌려줍니다. 앞의 축(배치 N, 채널 C 등)은 그대로입니다. `pad`는 세 가지 형식으로 받습니다.

            - `p`: 네 변 모두 p겹
            - `(ph, pw)`: 위아래에 ph겹, 왼쪽과 오른쪽에 pw겹
            - `((top, bottom), (left, right))`: 네 변을 따로(`"same"` 패딩의 합이 홀수일 때 필요합니다)

            제공 함수 `padding_pairs`가 세 형식을 모두 `((top, bottom), (left, right))`로 바꿔 줍니다.
            입력 배열은 **바꾸지 마세요**. 새 배열을 만들어 가운데에 입력을 복사합니다. 예: 2×2 배열에
            `pad=1`이면 4×4, `pad=((0, 1), (2, 0))`이면 3×4가 됩니다. float32 입력은 float32로 돌려줍니다.
            """,
            """
            ## Write `zero_pad`

            `zero_pad(x, pad)` returns a new array with zeros around the **last two axes** (height
            and width); leading axes (batch N, channels C, …) stay as they are. `pad` comes in
            three forms:

            - `p`: p rings on all four sides
            - `(ph, pw)`: ph above and below, pw left and right
            - `((top, bottom), (left, right))`: each side on its own (needed by `"same"` padding
              when the total is odd)

            The provided `padding_pairs` turns all three into `((top, bottom), (left, right))`.
            Do **not** change the input: make a new array and copy the input into its middle.
            Examples: a 2×2 array with `pad=1` becomes 4×4; with `pad=((0, 1), (2, 0))`, 3×4.
            A float32 input gives float32 back.
            """)),
        *task("zero_pad"),
        demo("""
            image = np.arange(1, 50, dtype=float).reshape(7, 7)
            padded = zero_pad(image, 1)
            print(image.shape, "->", padded.shape)
            fig, ax = plt.subplots(figsize=(4.5, 4.7))
            ax.imshow(padded == 0, cmap="Oranges", vmin=0, vmax=1.5)
            for (i, j), v in np.ndenumerate(padded):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8)
            ax.add_patch(plt.Rectangle((0.5, 0.5), 7, 7, fill=False, lw=2, color="tab:blue"))
            ax.set_title(figure_text("7×7 이미지에 0을 한 겹(패딩 1) → 9×9",
                                     "7x7 image with a border of zeros (padding 1) -> 9x9"),
                         fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            plt.show()
        """),
        md(bi(
            """
            ## 정리
            - 패딩 P를 두르면 입력이 한 축에서 2P(또는 `앞 + 뒤`)만큼 커집니다.
            - 3×3 필터, 스트라이드 1에서 P = 1이면 크기가 그대로입니다(7×7 → 7×7).
            - `"same"`은 출력을 `ceil(n / stride)`로 맞추는 패딩이고, 홀수 합의 남는 한 겹은 뒤쪽에 붙습니다.
            - 다음 노트북: 드디어 합성곱 `W·X + b`를 계산합니다.
            """,
            """
            ## Summary
            - Padding P makes an axis 2P (or `before + after`) longer.
            - With a 3×3 filter and stride 1, P = 1 keeps the size (7×7 → 7×7).
            - `"same"` is the padding that makes the output `ceil(n / stride)`; an odd total puts
              its extra zero after.
            - Next notebook: the convolution `W·X + b` itself.
            """)),
    ]
