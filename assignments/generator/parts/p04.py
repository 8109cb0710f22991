"""Notebook 4: pooling and a tiny CNN (pooling, ReLU, flatten, dense, softmax, loss)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 4. 풀링과 작은 CNN · Pooling and a tiny CNN

            합성곱 층 뒤에는 보통 ReLU와 **풀링**(pooling)이 옵니다. 강의의 CNN 그림처럼 합성곱,
            ReLU, 풀링을 몇 번 거친 뒤에는 특성 맵을 한 줄로 펴고(**평탄화**, flatten)
            완전연결층(**FC**, dense)으로 클래스 점수를 냅니다. 완전연결층은 1차원 입력만 받기
            때문에, 공간 정보를 지닌 3차원 특성 맵은 맨 마지막에야 평탄화합니다.

            이 노트북에서는 이 조각들을 하나씩 만들고, 8×8 손글씨 숫자를 위한 작은 CNN으로
            조립합니다. 점수를 확률로 바꾸는 소프트맥스와 손실을 재는 교차 엔트로피도 여기서 씁니다.
            """,
            """
            A convolution layer is usually followed by ReLU and **pooling**. As in the lecture's
            CNN figure, after a few rounds of convolution, ReLU and pooling the feature maps are
            laid out in one row (**flatten**) and a fully connected layer (**FC**, dense) turns
            them into class scores. A fully connected layer only takes 1-D input, so the 3-D
            feature maps, which keep the spatial layout, are flattened only at the very end.

            This notebook builds those pieces one by one and puts them together into a tiny CNN
            for 8×8 handwritten digits, with softmax turning scores into probabilities and
            cross-entropy measuring the loss.
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
            ## 풀링

            풀링은 특성 맵을 작은 윈도우로 나누어 윈도우마다 값 하나로 요약합니다. **최대 풀링**은
            가장 큰 값을, **평균 풀링**은 평균을 고릅니다. 가중치가 없고 채널마다 따로 동작하므로
            깊이는 그대로이고 가로세로만 줄어듭니다. 윈도우가 필터처럼 미끄러지므로 출력 크기는
            합성곱과 같은 공식 `(N + 2P − F)/S + 1`을 따릅니다. 스트라이드를 주지 않으면 윈도우
            크기와 같게 해서 윈도우가 겹치지 않습니다: 2×2 윈도우면 4×4 → 2×2.

            최대 풀링에 패딩을 주면 패딩 칸은 −∞로 봅니다. 0으로 채우면 음수만 있는 윈도우에서 0이
            최댓값이 되어 버리기 때문입니다.
            """,
            """
            ## Pooling

            Pooling cuts each feature map into small windows and summarises every window by one
            value: **max pooling** keeps the largest, **average pooling** the mean. It has no
            weights and works on each channel separately, so the depth stays and only height and
            width shrink. The window slides like a filter, so the output size follows the same
            `(N + 2P − F)/S + 1`. Without a stride the stride is the window size and windows do not
            overlap: a 2×2 window turns 4×4 into 2×2.

            When max pooling is padded, padded cells count as −∞: zeros would win in a window of
            negative numbers.
            """)),
        demo("""
            fmap = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [7, 2, 9, 8], [1, 0, 3, 4]], dtype=float)
            pooled = fmap.reshape(2, 2, 2, 2).max(axis=(1, 3))  # 2x2 windows, stride 2
            fig, axes = plt.subplots(1, 2, figsize=(8, 4.3))
            colours = np.kron(np.array([[0, 1], [2, 3]]), np.ones((2, 2)))
            axes[0].imshow(colours, cmap="Pastel1", vmin=0, vmax=8)
            for (i, j), v in np.ndenumerate(fmap):
                axes[0].text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=14)
            axes[0].set_title(figure_text("4×4 특성 맵, 2×2 윈도우", "4x4 feature map, 2x2 windows"))
            axes[1].imshow(np.array([[0, 1], [2, 3]]), cmap="Pastel1", vmin=0, vmax=8)
            for (i, j), v in np.ndenumerate(pooled):
                axes[1].text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=14)
            axes[1].set_title(figure_text("최대 풀링 → 2×2", "max pooling -> 2x2"))
            for ax in axes:
                ax.set_xticks([])
                ax.set_yticks([])
            plt.show()
        """),
        md(bi(
            """
            **`max_pool2d`와 `avg_pool2d` 작성하기.** 입력은 `(N, C, H, W)`, 출력은 `(N, C, OH, OW)`.
            제공 함수 `as_float_array`로 입력을, `as_pair`로 윈도우 크기와 스트라이드를 검사하세요
            (스트라이드가 `None`이면 윈도우 크기). 출력 크기는 노트북 3처럼 여러분의 `output_size`로
            구합니다. `max_pool2d`는 출력 칸마다 윈도우를 잘라 `max(axis=(2, 3))`로 이미지와 채널을
            한꺼번에, 그러나 **채널끼리 섞지 않고** 처리하면 됩니다(패딩은
            `np.pad(..., constant_values=-np.inf)`). `avg_pool2d`는 패딩이 없고 같은 반복문에서
            `mean(axis=(2, 3))`을 씁니다.
            """,
            """
            **Write `max_pool2d` and `avg_pool2d`.** Input `(N, C, H, W)`, output `(N, C, OH, OW)`.
            Check the input with the provided `as_float_array`, the window size and stride with
            `as_pair` (a stride of `None` means the window size); the output size comes from your
            `output_size`, as in notebook 3. For `max_pool2d`, cut the window of each output cell
            and take `max(axis=(2, 3))`, which handles images and channels at once **without
            mixing channels** (pad with `np.pad(..., constant_values=-np.inf)`). `avg_pool2d` has
            no padding and takes `mean(axis=(2, 3))` in the same loop.
            """)),
        *task("max_pool2d"),
        *task("avg_pool2d"),
        md(bi(
            """
            ## ReLU와 평탄화

            **ReLU**는 원소마다 `max(x, 0)`입니다: 음수는 0으로, 양수는 그대로. 모양은 변하지 않습니다.

            **평탄화**(flatten)는 각 이미지의 `(C, H, W)`를 길이 `C·H·W`의 한 줄로 폅니다:
            `(N, C, H, W)` → `(N, C·H·W)`. 순서는 numpy의 기본(C 순서, 마지막 축이 가장 빨리
            바뀜)입니다. 완전연결층은 1차원 입력을 받으므로 이 단계가 필요합니다.
            """,
            """
            ## ReLU and flatten

            **ReLU** is `max(x, 0)` element by element: negatives become 0, positives stay. The
            shape does not change.

            **Flatten** lays each image's `(C, H, W)` out as one row of `C·H·W` numbers:
            `(N, C, H, W)` → `(N, C·H·W)`, in numpy's default (C) order, the last axis changing
            fastest. A fully connected layer takes 1-D inputs, hence this step.
            """)),
        *task("relu"),
        *task("flatten"),
        md(bi(
            """
            ## 완전연결층, 소프트맥스, 교차 엔트로피

            **완전연결층**(dense): `x @ w + b`, 모양은 `x (N, D)`, `w (D, K)`, `b (K,)` → `(N, K)`.
            출력 K개는 클래스마다의 점수(logit)입니다.

            **소프트맥스**는 점수를 확률로 바꿉니다: `softmax(z)_k = exp(z_k) / Σ_j exp(z_j)`
            (마지막 축을 따라). 점수가 1000처럼 크면 `exp`에서 오버플로가 발생합니다. 각 행에서
            최댓값을 먼저 빼도 결과는 같으므로 그렇게 계산하세요.

            **교차 엔트로피**: 정답 클래스의 확률에 −log를 취해 배치 평균을 냅니다. 확률을 먼저 구해
            log를 취하면 log(0)이 나올 수 있습니다. 로그를 식으로 풀면 안전합니다: 최댓값을 뺀 점수
            `z`에 대해 `log softmax(z)_k = z_k − log Σ_j exp(z_j)`. 결과는 파이썬 float입니다.
            """,
            """
            ## Dense, softmax and cross-entropy

            **Dense** (fully connected): `x @ w + b` with `x (N, D)`, `w (D, K)`, `b (K,)` →
            `(N, K)`; the K outputs are one score (logit) per class.

            **Softmax** turns scores into probabilities: `softmax(z)_k = exp(z_k) / Σ_j exp(z_j)`
            along the last axis. Scores like 1000 overflow `exp`; subtracting each row's maximum
            first gives the same result, so compute it that way.

            **Cross-entropy**: −log of the probability of the true class, averaged over the batch.
            Taking the log of computed probabilities can hit log(0); work the log out instead: for
            the max-shifted scores `z`, `log softmax(z)_k = z_k − log Σ_j exp(z_j)`. Return a
            Python float.
            """)),
        *task("dense"),
        *task("softmax"),
        *task("cross_entropy"),
        md(bi(
            """
            ## 작은 CNN 조립하기

            8×8 흑백 숫자(채널 1)를 위한 네트워크입니다. 모양을 따라가 보세요(N은 이미지 수).

            | 층 · layer | 출력 모양 · output shape |
            |---|---|
            | 입력 · input | (N, 1, 8, 8) |
            | conv 3×3, 필터 8개, 패딩 1 · 8 filters, padding 1 | (N, 8, 8, 8) — 패딩 1이 8×8을 지킴 · padding 1 keeps 8×8 |
            | ReLU → max-pool 2 | (N, 8, 4, 4) |
            | conv 3×3, 필터 16개, 패딩 1 · 16 filters, padding 1 | (N, 16, 4, 4) |
            | ReLU → max-pool 2 | (N, 16, 2, 2) |
            | flatten | (N, 64) |
            | dense 64 → 10 | (N, 10) 클래스 점수 · class scores |

            합성곱은 패딩 1 덕분에 8×8, 4×4를 그대로 유지하고, 풀링이 높이와 너비를 반으로 줄이며, 깊이는
            1 → 8 → 16으로 늘어납니다. 강의의 그림처럼 작아지고 깊어지는 흐름입니다.

            **`init_tiny_cnn(seed)`**: 키 `conv1_w (8, 1, 3, 3)`, `conv1_b (8,)`, `conv2_w (16, 8, 3, 3)`,
            `conv2_b (16,)`, `fc_w (64, 10)`, `fc_b (10,)`의 딕셔너리. 가중치는 He 초기화
            (평균 0, 표준편차 `sqrt(2 / fan_in)`, fan_in은 뉴런 하나에 들어가는 입력 수: 합성곱은
            `C·FH·FW`, dense는 `D`), 편향은 0. 제공 상수 `PARAM_SHAPES`에 모양이 있습니다.

            **`tiny_cnn_forward(x, params)`**: 위 표대로 층을 차례로 부르고 `(N, 10)` 점수를 돌려줍니다.
            제공 함수 `_check_images`, `_check_params`로 입력을 먼저 검사하세요.
            """,
            """
            ## Putting a tiny CNN together

            A network for 8×8 grey digits (one channel). Follow the shapes in the table above
            (N = number of images): each convolution keeps 8×8 or 4×4 thanks to padding 1, each
            pooling halves height and width, and the depth grows 1 → 8 → 16, the same
            smaller-and-deeper flow as in the lecture's figure; flatten gives 16·2·2 = 64 numbers
            per image and the dense layer 10 class scores.

            **`init_tiny_cnn(seed)`**: a dict with `conv1_w (8, 1, 3, 3)`, `conv1_b (8,)`,
            `conv2_w (16, 8, 3, 3)`, `conv2_b (16,)`, `fc_w (64, 10)`, `fc_b (10,)`. Weights use He
            initialisation (mean 0, standard deviation `sqrt(2 / fan_in)`, where fan_in is the
            number of inputs of one neuron: `C·FH·FW` for a convolution, `D` for dense); biases
            are 0. The provided `PARAM_SHAPES` lists the shapes.

            **`tiny_cnn_forward(x, params)`**: call the layers in the table's order and return the
            `(N, 10)` scores. Check the inputs first with the provided `_check_images` and
            `_check_params`.
            """)),
        *task("init_tiny_cnn"),
        *task("tiny_cnn_forward"),
        demo("""
            params = init_tiny_cnn(seed=0)
            x = np.load(DIGITS_FILE)["images"][:5, None].astype(float) / 16  # (5, 1, 8, 8)
            logits = tiny_cnn_forward(x, params)
            print("tiny_cnn_forward:", x.shape, "->", logits.shape)
            print("학습 전의 확률 · probabilities before training:", softmax(logits)[0].round(2))

            # The table's shapes, drawn to scale (sizes only: the values are tiny_cnn_forward's).
            stages = [("input", (1, 8, 8)), ("conv1 + ReLU", (8, 8, 8)), ("max-pool", (8, 4, 4)),
                      ("conv2 + ReLU", (16, 4, 4)), ("max-pool", (16, 2, 2)), ("flatten", (64,)),
                      ("dense", (10,))]
            fig, ax = plt.subplots(figsize=(12, 4.2))
            x0 = 0.0
            for name, shape in stages:  # side = height, slabs = depth
                if len(shape) == 3:
                    depth, side = shape[0], shape[1]
                    for d in range(depth):  # back to front, one thin slab per channel
                        ax.add_patch(plt.Rectangle((x0 + 0.35 * d, 0.35 * d), side, side,
                                                   facecolor=plt.cm.viridis(d / 16),
                                                   edgecolor="k", lw=0.4, alpha=0.7))
                    width, label = side + 0.35 * depth, f"{side}x{side}x{depth}"
                else:  # a flat vector: one column of numbers
                    side, width, label = shape[0] / 4, 1.0, f"{shape[0]}"
                    ax.add_patch(plt.Rectangle((x0, 0), 1, side, facecolor="tab:orange"))
                ax.text(x0 + width / 2, -1.6, f"{name}\\n{label}", ha="center", va="top",
                        fontsize=9)
                x0 += width + (3 if len(shape) == 3 else 4.5)
            ax.set_xlim(-1, x0)
            ax.set_ylim(-5, 17)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(figure_text("작은 CNN을 같은 축척으로: 작아지고 깊어진 뒤 평탄화",
                                     "Through the tiny CNN, to scale: smaller and deeper, then flat"))
            plt.show()
        """),
        md(bi(
            """
            ## 정리
            - 풀링: 가중치 없이 윈도우마다 최댓값이나 평균, 채널끼리는 섞지 않음. 출력 크기는 합성곱과
              같은 공식.
            - 평탄화 → 완전연결층 → 소프트맥스 → 교차 엔트로피로 점수와 손실을 얻습니다.
            - 다음 노트북(강의 너머): 역전파로 기울기를 구하고 이 CNN을 학습시킵니다.
            """,
            """
            ## Summary
            - Pooling: max or mean per window, no weights, channels never mixed; same size formula
              as a convolution.
            - flatten → dense → softmax → cross-entropy give scores and a loss.
            - Next notebook (beyond the lecture): backpropagation, and training this CNN.
            """)),
    ]
