"""Notebook 5: backpropagation and training (beyond the lecture)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from .. import training
from ..cells import bi, code, demo, md, task


def _pct(value: float) -> str:
    return f"{value:.0%}"


def cells(lesson):
    g = training.graded()
    runs = training.reference_runs()
    measured = training.measured()["runs"]
    demo_s, epoch_s = measured["demo_loops"]["seconds"], measured["epoch_loops"]["seconds"]
    full_s = measured["full_fast_conv2d"]["seconds"]
    n_train, n_test = runs["train_digits"], runs["test_digits"]
    d, e, t, full_e = training.DEMO_DIGITS, training.DEMO_EPOCHS, training.DEMO_TEST, training.FULL_EPOCHS
    return [
        md(bi(
            """
            # 5. 역전파와 학습 · Backprop and training

            강의는 합성곱 층이 **무엇을 계산하는지**까지 다룹니다. 이 노트북은 한 걸음 더 나아가
            필터를 **학습**시킵니다. 손실이 각 가중치에 얼마나 민감한지(기울기)를 마지막 층부터
            거꾸로 계산하고(**역전파**), 그 반대 방향으로 가중치를 조금씩 옮깁니다. 마지막에는
            작은 CNN을 손글씨 숫자로 학습시킵니다. 무엇을 채점하는지와 노트북 안에서 돌리는 학습이
            무엇을 보여 주는지는 학습 절에 숫자로 적어 두었습니다.
            """,
            """
            The lecture covers what a convolution layer **computes**. This notebook goes one step
            further and **learns** the filters: it works out, layer by layer from the end, how
            sensitive the loss is to every weight (the gradient; this is **backpropagation**), and
            moves the weights a little against it. At the end the tiny CNN learns handwritten
            digits. What is graded, and what the run inside this notebook shows, is written out
            with its numbers in the training section.
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
            ## 규칙 하나: 연쇄 법칙

            층 `y = layer(x)`의 역전파 함수는 위에서 내려온 기울기 `dout = ∂L/∂y`(모양은 y와 같음)를
            받아 `∂L/∂x`(그리고 가중치가 있으면 `∂L/∂w`, `∂L/∂b`)를 돌려줍니다. 모든 기울기는 자기
            변수와 **같은 모양**입니다.

            - **ReLU**: 통과한 원소(x > 0)에는 dout이 그대로, 나머지는 0.
            - **Dense** `y = x @ w + b`: `dx = dout @ wᵀ`, `dw = xᵀ @ dout`, `db = dout`를 배치 축으로 더한 것.
            """,
            """
            ## One rule: the chain rule

            The backward function of a layer `y = layer(x)` takes the upstream gradient
            `dout = ∂L/∂y` (shaped like y) and returns `∂L/∂x` (and `∂L/∂w`, `∂L/∂b` if the layer
            has weights). Every gradient has the **shape of its variable**.

            - **ReLU**: dout passes where x > 0 and is 0 elsewhere.
            - **Dense** `y = x @ w + b`: `dx = dout @ wᵀ`, `dw = xᵀ @ dout`, `db` = dout summed
              over the batch axis.
            """)),
        *task("relu_backward"),
        *task("dense_backward"),
        md(bi(
            """
            ## 합성곱의 역전파

            순전파에서 출력 칸 `out[n, f, i, j]`는 윈도우 `X`(입력의 한 조각)와 필터 `w[f]`의 곱의 합에 `b[f]`를
            더한 값이었습니다. 그러니 그 칸의 기울기 `dout[n, f, i, j]`는
            - `w[f]`에는 **윈도우 X를 곱해서**,
            - 그 윈도우의 픽셀들에는 **w[f]를 곱해서**,
            - `b[f]`에는 **그대로** 더해집니다.

            모든 칸에 대해 모으면 `dw`, `dx`, `db`가 됩니다. 패딩을 붙여 계산했다면 `dx`에서 패딩
            부분을 잘라내야 입력과 같은 모양이 됩니다.

            **손으로 해 보는 예.** 3×3 입력 `x`(모두 1), 2×2 필터 `w`(모두 1), 스트라이드 1이면 출력은
            2×2입니다. 위에서 내려온 `dout`도 모두 1이라고 합시다. 반복문으로 출력 칸 네 개를 차례로
            돌면서 위의 세 줄을 그대로 실행하면:
            - `db += dout[i, j]`를 네 번 → `db = 4`.
            - `dw += dout[i, j] · (그 칸의 윈도우)`: 윈도우는 모두 1이므로 `dw`의 각 원소는 4.
            - `dx[윈도우의 위치] += dout[i, j] · w`: 입력의 가운데 픽셀은 네 윈도우 모두에 들어가므로 4,
              모서리는 한 윈도우에만 들어가므로 1, 변의 가운데는 2 → `[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`.

            반복문 뼈대(이미지 n, 필터 f, 출력 칸 i, j):
            `dw[f] += dout[n, f, i, j] * xpad[n, :, 윈도우]`, `dxpad[n, :, 윈도우] += dout[n, f, i, j] * w[f]`,
            `db[f] += dout[n, f, i, j]`. 마지막에 `dxpad`에서 패딩을 잘라 `dx`를 만듭니다.
            """,
            """
            ## Backprop through a convolution

            In the forward pass the output cell `out[n, f, i, j]` was the sum of a window `X` of the
            input times the filter `w[f]`, plus `b[f]`. So that cell's gradient
            `dout[n, f, i, j]` flows
            - to `w[f]` **times the window X**,
            - to the pixels of that window **times w[f]**,
            - to `b[f]` **as it is**.

            Adding these up over every cell gives `dw`, `dx` and `db`. If the forward pass padded
            the input, cut the padding off `dx` so that it has the input's shape.

            **A worked example.** A 3×3 input `x` of ones, a 2×2 filter `w` of ones, stride 1:
            the output is 2×2. Let the upstream `dout` be all ones too. Loop over the four output
            cells and run the three rules above for each:
            - `db += dout[i, j]` four times → `db = 4`.
            - `dw += dout[i, j] · (that cell's window)`: every window is all ones, so every
              element of `dw` is 4.
            - `dx[window's place] += dout[i, j] · w`: the centre pixel lies in all four windows
              (4), a corner in one (1), the middle of an edge in two (2) →
              `[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`.

            The loop (image n, filter f, output cell i, j):
            `dw[f] += dout[n, f, i, j] * xpad[n, :, window]`,
            `dxpad[n, :, window] += dout[n, f, i, j] * w[f]`, `db[f] += dout[n, f, i, j]`; at the
            end, cut the padding off `dxpad` to get `dx`.
            """)),
        *task("conv2d_backward"),
        md(bi(
            """
            ## 최대 풀링의 역전파

            윈도우의 출력은 최댓값 하나였으므로 기울기도 **최댓값이 있던 칸 하나**로만 갑니다. 나머지
            칸은 0입니다. 최댓값이 여러 칸에 같으면 행 순서로 읽어 처음 나온 칸에 줍니다(`argmax`와
            같은 규칙). 윈도우가 겹치면(스트라이드 < 윈도우 크기) 한 칸이 여러 윈도우에서 기울기를
            받으니 더하세요.
            """,
            """
            ## Backprop through max pooling

            A window's output was its one maximum, so the gradient goes to **the one cell that held
            the maximum**, and the others get 0. When several cells tie, the first one in row-major
            reading order wins (the rule of `argmax`). When windows overlap (stride < window) a cell
            may get gradient from several windows: add them.
            """)),
        *task("max_pool2d_backward"),
        md(bi(
            """
            ## 수치 기울기로 확인하기

            역전파 공식이 맞는지 확인하는 가장 확실한 방법은 미분의 정의로 직접 재 보는 것입니다.
            원소 하나를 h만큼 올렸다 내렸다 하면서 `(f(x + h) − f(x − h)) / 2h`를 계산합니다
            (**중앙 차분**, 오차가 h²에 비례). `numerical_gradient(f, x, h)`는 x를 제자리에서 바꾸며
            계산하고, 끝나면 원래 값으로 되돌려야 합니다.
            """,
            """
            ## Checking with numerical gradients

            The surest way to check a backward formula is to measure the derivative from its
            definition: nudge one element up and down by h and compute
            `(f(x + h) − f(x − h)) / 2h` (**centred differences**, error proportional to h²).
            `numerical_gradient(f, x, h)` changes x in place while it works and must restore every
            element before it returns.
            """)),
        *task("numerical_gradient"),
        demo("""
            rng = np.random.default_rng(0)
            x = rng.normal(size=(2, 3, 5, 5))
            w = rng.normal(size=(4, 3, 3, 3))
            dout = rng.normal(size=(2, 4, 3, 3))  # conv2d(x, w, stride=2, padding=1) is (2, 4, 3, 3)
            dx, dw, db = conv2d_backward(dout, x, w, stride=2, padding=1)
            dx_num = numerical_gradient(lambda x_: float(np.sum(conv2d(x_, w, None, 2, 1) * dout)), x)
            dw_num = numerical_gradient(lambda w_: float(np.sum(conv2d(x, w_, None, 2, 1) * dout)), w)


            def relative_error(a, b):
                return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


            print(f"dx 상대 오차 · relative error: {relative_error(dx, dx_num):.1e}")
            print(f"dw 상대 오차 · relative error: {relative_error(dw, dw_num):.1e}  (1e-7 정도 이하면 맞습니다 · about 1e-7 or less: correct)")
        """),
        md(bi(
            """
            ## 전체 네트워크의 손실과 기울기

            `tiny_cnn_loss_and_grads(x, y, params)`는 순전파로 손실을 구하고, 마지막 층부터 거꾸로
            역전파 함수들을 불러 모든 파라미터의 기울기를 돌려줍니다. 역전파에는 순전파의 중간값
            (합성곱 출력 `a1`, 풀링 출력 `h1` 등)이 필요하니 순전파를 직접 한 줄씩 쓰면서 변수에
            저장해 두세요(노트북 4의 `tiny_cnn_forward`와 같은 순서입니다). 교차 엔트로피의 기울기는
            제공 함수 `cross_entropy_backward` `= (softmax − one-hot) / N`입니다.

            순서: dense ← flatten(모양만 되돌림) ← max-pool ← ReLU ← conv2 ← max-pool ← ReLU ← conv1.
            """,
            """
            ## Loss and gradients of the whole network

            `tiny_cnn_loss_and_grads(x, y, params)` runs the forward pass to get the loss, then calls
            the backward functions from the last layer to the first and returns the gradient of
            every parameter. The backward pass needs the forward pass's intermediate values
            (the convolution output `a1`, the pooled map `h1`, …): write the forward pass out line
            by line, in the order of notebook 4's `tiny_cnn_forward`, and keep each value in a
            variable. The gradient of the cross-entropy is the provided `cross_entropy_backward`
            `= (softmax − one-hot) / N`.

            Order: dense ← flatten (just reshape back) ← max-pool ← ReLU ← conv2 ← max-pool ← ReLU
            ← conv1.
            """)),
        lesson.local_helpers_cell(),
        *task("tiny_cnn_loss_and_grads"),
        md(bi(
            f"""
            ## 학습

            `train_tiny_cnn`은 미니배치 **Adam**으로 학습합니다. 에포크마다 학습 데이터를 섞고,
            배치마다 기울기를 구해 각 파라미터 `p`를 갱신합니다(`t`는 지금까지의 단계 수).

            `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
            `p ← p − lr · m̂ / (√v̂ + ε)`, 여기서 `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
            `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.

            시작 가중치는 여러분의 `init_tiny_cnn(seed)`입니다. 에포크마다 배치 손실의 평균을
            `loss_history`에 적고, 끝나면 `params`, `loss_history`, `test_accuracy`(테스트 데이터가
            없으면 `None`)가 든 dict를 돌려줍니다. `verbose=True`이면 에포크마다 평균 손실과, 테스트
            데이터가 있으면 그때까지의 테스트 정확도를 한 줄씩 출력하세요(아래 실행이 씁니다. 채점하지
            않습니다). 배열을 주지 않으면 제공 함수 `load_digits_split()`의 고정된 분할을 씁니다:
            8×8 숫자 1,797개(`digits.npz`, 출처와 라이선스는 `DIGITS_README.md`) 중 학습
            {n_train:,}개, 테스트 {n_test}개입니다.

            **채점하는 것.** 채점기는 여러분의 `train_tiny_cnn`을 숫자 {g["digits"]}개,
            {g["epochs"]} 에포크, 배치 {g["batch_size"]}(Adam {g["steps"]}단계), `lr={g["lr"]}`,
            `seed=0`으로 한 번 부르고 다음을 모두 봅니다.
            - 손실이 첫 에포크보다 마지막 에포크에서 {_pct(g["min_loss_drop"])} 이상 줄었는가.
            - `loss_history`가 돌려준 `params`의 것인가: 채점기가 그 파라미터로 학습 숫자의 손실을
              다시 계산하면 마지막 에포크 평균 손실의 {_pct(g["loss_ratio"][0])}~{_pct(g["loss_ratio"][1])} 안에
              있어야 합니다.
            - 모든 파라미터가 `init_tiny_cnn(0)`에서 Adam 단계만큼 움직였는가: 적어도
              {g["min_move"]:g}, 많아야 {g["max_move"]:g}.
            - 학습에 쓰지 않은 숫자 {g["held_out"]}개 중 {_pct(g["min_accuracy"])} 이상을 맞히는가
              (찍으면 10%, 모범 답안은 {_pct(g["model_accuracy"])}).

            채점하는 동안 앞 함수(`init_tiny_cnn`, `tiny_cnn_loss_and_grads`, …)는 채점기가 올바른
            답으로 대신하므로, 앞 함수의 실수가 이 항목의 점수를 깎지는 않습니다. 자가 점검도 같은
            기준으로 보고, 앞 함수의 자가 점검이 실패하면 그 함수부터 고치라고 알려 줍니다. 높은 정확도는
            채점하지 않습니다. 아래 실행은 학습이 어디까지 가는지 보여 줄 뿐입니다.
            """,
            f"""
            ## Training

            `train_tiny_cnn` trains with mini-batch **Adam**. Every epoch it shuffles the training
            data; for every batch it computes the gradients and updates each parameter `p` (`t` is
            the number of steps so far):

            `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
            `p ← p − lr · m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
            `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.

            It starts from your `init_tiny_cnn(seed)`, records each epoch's mean batch loss in
            `loss_history`, and returns a dict with `params`, `loss_history` and `test_accuracy`
            (`None` without test data). With `verbose=True` it prints one line per epoch: the
            mean loss and, given test data, the test accuracy so far (the run below uses it; not
            graded). Without arrays it uses the fixed split of the provided
            `load_digits_split()`: of the 1,797 8×8 digits (`digits.npz`; source and licence in
            `DIGITS_README.md`), {n_train:,} for training and {n_test} for testing.

            **What is graded.** The grader calls your `train_tiny_cnn` once, on {g["digits"]}
            digits for {g["epochs"]} epochs of batch {g["batch_size"]} ({g["steps"]} Adam steps),
            `lr={g["lr"]}`, `seed=0`, and checks all of this:
            - the loss fell by at least {_pct(g["min_loss_drop"])} from the first epoch to the last;
            - `loss_history` belongs to the returned `params`: the loss the grader recomputes with
              them on the training digits lies within {_pct(g["loss_ratio"][0])}–{_pct(g["loss_ratio"][1])}
              of the last epoch's mean;
            - every parameter moved from `init_tiny_cnn(0)` by Adam-sized steps: at least
              {g["min_move"]:g}, at most {g["max_move"]:g};
            - at least {_pct(g["min_accuracy"])} of {g["held_out"]} digits it never trained on are
              recognised (chance is 10%; the model solution gets {_pct(g["model_accuracy"])}).

            While it is graded, the earlier functions (`init_tiny_cnn`, `tiny_cnn_loss_and_grads`,
            …) are answered correctly by the grader, so a mistake in one of them does not cost
            this item. The self-check asks the same, and says which earlier function to fix first
            when one of their own self-checks fails. A high accuracy is not graded: the run below
            only shows how far training gets.
            """)),
        *task("train_tiny_cnn"),
        md(bi(
            f"""
            ## 여기서 돌려 보기: 1분 남짓

            학습은 여러분이 쓴 함수로 돌아갑니다: 노트북 3의 `conv2d`, 이 노트북의 `conv2d_backward`를
            포함해서요. 반복문으로 쓴 합성곱은 출력 칸마다 파이썬이 한 번씩 돌기 때문에 느립니다. 그래서
            아래 셀은 학습 숫자 {d}개로 {e} 에포크만 학습하고, 에포크마다 테스트 숫자 {t}개의 정확도를
            출력합니다. 올바른 함수라면 마지막 테스트 정확도는 {_pct(runs["demo"])}입니다. 이 과제를 만든
            2코어 컴퓨터에서 반복문 모범 답안으로 {training.minutes_ko(demo_s)} 걸렸습니다. 같은 함수로
            학습 숫자 {n_train:,}개 전부를 학습하면 한 에포크에 {training.minutes_ko(epoch_s)},
            기본값 {full_e} 에포크면 약 {training.minutes_ko(full_e * epoch_s)}이 걸립니다.
            """,
            f"""
            ## Running it here: about a minute

            Training here runs on the functions you wrote, `conv2d` from notebook 3 and
            `conv2d_backward` from this notebook included. A convolution written with loops makes
            Python go round once per output cell, which is slow. So the cell below trains on {d}
            digits for {e} epochs and prints the accuracy on {t} test digits after every epoch;
            with correct functions the last one is **{_pct(runs["demo"])}**. On the 2-core machine
            this course was built on, the loop-style model solution took {training.minutes(demo_s)}.
            The same functions take {training.minutes(epoch_s)} per epoch over all {n_train:,}
            training digits, so the default {full_e} epochs take about
            {training.minutes(full_e * epoch_s)}.
            """)),
        demo(f"""
            import time

            x_train, y_train, x_test, y_test = load_digits_split()  # the fixed split
            start = time.perf_counter()
            result = train_tiny_cnn(x_train[:{d}], y_train[:{d}], x_test[:{t}], y_test[:{t}],
                                    epochs={e}, verbose=True)
            print(f"{{time.perf_counter() - start:.0f}} s; "
                  f"테스트 정확도 · test accuracy {{result['test_accuracy']:.1%}}")
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.8),
                                     gridspec_kw={{"width_ratios": [1, 1.4]}})
            axes[0].plot(np.arange(1, len(result["loss_history"]) + 1), result["loss_history"], "o-")
            axes[0].set_xlabel(figure_text("에포크", "epoch", sep=" · "))
            axes[0].set_ylabel(figure_text("평균 학습 손실", "mean training loss"))
            axes[0].set_title(figure_text("테스트 정확도", "test accuracy", sep=" · ")
                              + f" {{result['test_accuracy']:.1%}}")
            filters = result["params"]["conv1_w"][:, 0]  # the 8 learned 3x3 filters
            limit = np.abs(filters).max()
            image = axes[1].imshow(np.hstack([np.pad(f, 1, constant_values=np.nan) for f in filters]),
                                   cmap="RdBu_r", vmin=-limit, vmax=limit)
            fig.colorbar(image, ax=axes[1], shrink=0.8, label=figure_text("가중치", "weight", sep=" · "))
            axes[1].set_title(figure_text("conv1이 배운 필터 8개", "conv1: the 8 filters it learned"))
            axes[1].axis("off")
            plt.show()

            logits = tiny_cnn_forward(x_test[:10], result["params"])
            fig, axes = plt.subplots(1, 10, figsize=(12, 2.2), layout="constrained")
            for ax, image, label, guess in zip(axes, x_test[:10, 0], y_test[:10], logits.argmax(1)):
                ax.imshow(image, cmap="gray_r")
                ax.set_title(f"{{guess}}" + ("" if guess == label else f" ({{label}})"),
                             color="black" if guess == label else "tab:red")
                ax.axis("off")
            fig.suptitle(figure_text("테스트 숫자에 대한 예측 (틀리면 괄호 안이 정답)",
                                     "predictions on test digits (when wrong, the label in brackets)"))
            plt.show()
        """),
        md(bi(
            f"""
            ## (선택 과제) 빠른 합성곱 · 채점하지 않습니다

            반복문 대신 행렬 곱 하나로 합성곱을 계산할 수 있습니다(**im2col**). 이미지마다 필터
            크기의 윈도우를 모두 꺼내 한 열씩 세우면 `(C·FH·FW, OH·OW)` 행렬이 되고, 필터를
            `(F, C·FH·FW)`로 펴서 곱하면 `(F, OH·OW)`, 즉 특성 맵 F장이 한 번에 나옵니다. 윈도우를
            꺼낼 때는 `np.lib.stride_tricks.sliding_window_view`가 복사 없이 모든 윈도우를 보여 줍니다.

            아래 셀의 `conv2d_fast`를 `conv2d`와 같은 약속(입력, 출력, 패딩, 스트라이드, 예외)으로
            채워 보세요. 그다음 셀은 여러분의 `conv2d`(반복문)와 같은 값을 내는지 비교하고 두 함수의
            시간을 잽니다. 같다면 그다음 셀에서 `conv2d = conv2d_fast` 줄의 주석을 풀고
            `RUN_LONG = True`로 바꿔 학습 숫자 {n_train:,}개 전부로 {full_e} 에포크를 학습해 보세요. 역전파는 여전히 반복문이므로 이 과제를 만든
            컴퓨터에서 {training.minutes_ko(full_s)}이 걸렸고, 테스트 정확도는
            {_pct(runs["full"])}까지 올라갑니다.
            """,
            f"""
            ## (Optional) A fast convolution · not graded

            A convolution can be one matrix product instead of loops (**im2col**). For each
            image, take every filter-sized window and stand it up as one column: a
            `(C·FH·FW, OH·OW)` matrix. The filters flattened to `(F, C·FH·FW)` times that matrix
            give `(F, OH·OW)`, all F feature maps at once. `np.lib.stride_tricks.sliding_window_view`
            shows every window without copying.

            Fill in `conv2d_fast` below with `conv2d`'s contract (inputs, output, padding, stride,
            errors). The next cell checks that it gives the same numbers as YOUR `conv2d` (the loop
            one) and times both. If they agree, uncomment `conv2d = conv2d_fast` in the cell after
            it and set `RUN_LONG = True` to train on all {n_train:,} training digits for {full_e}
            epochs. The backward pass is
            still loops: on the machine this course was built on that took
            {training.minutes(full_s)}, and the test accuracy climbs to **{_pct(runs["full"])}**.
            """)),
        code("""
            def conv2d_fast(x, w, b=None, stride=1, padding=0):
                \"\"\"(선택) conv2d와 같은 약속, 출력 칸에 대한 반복문 없이 · (optional) conv2d without
                loops over output cells: same inputs, output and errors.\"\"\"
                raise NotImplementedError("선택 과제 · optional exercise: write conv2d_fast")
        """, "convlab:optional"),
        demo("""
            rng = np.random.default_rng(1)
            x, w, b = rng.normal(size=(8, 3, 9, 9)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
            try:
                fast = conv2d_fast(x, w, b, stride=2, padding=1)
            except NotImplementedError:
                print("conv2d_fast: 아직 쓰지 않음 · not written yet (optional)")
            else:
                same = np.allclose(fast, conv2d(x, w, b, stride=2, padding=1))
                print("conv2d_fast == conv2d:", same)
                for name, fn in [("conv2d", conv2d), ("conv2d_fast", conv2d_fast)]:
                    start = time.perf_counter()
                    fn(x, w, b, padding=1)
                    print(f"{name:>12}: {1000 * (time.perf_counter() - start):.1f} ms")
        """),
        demo(f"""
            RUN_LONG = False  # True: all training digits for {full_e} epochs (minutes)
            if RUN_LONG:
                # 위 비교가 True였다면 다음 줄의 주석을 풀어 순전파를 빠른 합성곱으로 바꾸세요
                # (커널을 다시 시작하면 여러분의 반복문 conv2d로 돌아갑니다).
                # If the comparison above said True, uncomment the next line to run the forward
                # pass on the fast convolution (restarting the kernel brings your loop conv2d back).
                # conv2d = conv2d_fast
                start = time.perf_counter()
                result = train_tiny_cnn(x_train, y_train, x_test, y_test, epochs={full_e}, verbose=True)
                print(f"{{(time.perf_counter() - start) / 60:.1f}} min; "
                      f"테스트 정확도 · test accuracy {{result['test_accuracy']:.1%}}")
            else:
                print("긴 학습은 건너뜀 · long run skipped (RUN_LONG = False)")
        """),
        md(bi(
            """
            ## 마치며
            필터 크기, 스트라이드, 패딩으로 특성 맵의 크기를 정하고, `W·X + b`로 특성 맵을 채우고,
            필터 여러 개로 깊이를 쌓고, 풀링과 완전연결층으로 분류했습니다. 그리고 역전파로 그 필터들을
            데이터에서 직접 배웠습니다. 더 큰 CNN도 같은 조각으로 만듭니다. 층과 필터가 많아지고
            데이터가 커질 뿐입니다.
            """,
            """
            ## Wrapping up
            Filter size, stride and padding fix the size of a feature map; `W·X + b` fills it;
            several filters stack up depth; pooling and a fully connected layer classify; and
            backpropagation learns the filters from data. Larger CNNs are built from the same
            pieces, with more layers, more filters and more data.
            """)),
    ]
