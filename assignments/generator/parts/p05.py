"""Notebook 5: backpropagation and training (beyond the lecture)."""
# ruff: noqa: E501  (Korean prose and notebook code; Markdown rewraps it)

from __future__ import annotations

from ..cells import bi, demo, md, task


def cells(lesson):
    return [
        md(bi(
            """
            # 5. 역전파와 학습 · Backprop and training

            강의는 합성곱 층이 **무엇을 계산하는지**까지 다룹니다. 이 노트북은 한 걸음 더 나아가 필터를
            **학습**시킵니다. 손실이 각 가중치에 얼마나 민감한지(기울기)를 층마다 거꾸로 계산하고
            (**역전파**), 그 반대 방향으로 가중치를 조금씩 옮깁니다. 마지막에는 작은 CNN이 손글씨 숫자를
            97% 넘게 맞히도록 몇 초 안에 학습시킵니다.
            """,
            """
            The lecture covers what a convolution layer **computes**. This notebook goes one step
            further and **learns** the filters: it works out, layer by layer from the end, how
            sensitive the loss is to every weight (the gradient; this is **backpropagation**), and
            moves the weights a little against it. At the end the tiny CNN learns to read
            handwritten digits with more than 97% test accuracy, in seconds.
            """),
            f"""
            **점수 · Points**

            {lesson.points()}
            """),
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

            순전파에서 출력 칸 `out[n, f, i, j]`는 창 `X`(입력의 한 조각)와 필터 `w[f]`의 곱의 합에 `b[f]`를
            더한 값이었습니다. 그러니 그 칸의 기울기 `dout[n, f, i, j]`는
            - `w[f]`에는 **창 X를 곱해서**,
            - 그 창의 픽셀들에는 **w[f]를 곱해서**,
            - `b[f]`에는 **그대로** 더해집니다.

            모든 칸에 대해 모으면 `dw`, `dx`, `db`가 됩니다. 패딩을 붙여 계산했다면 `dx`에서 패딩
            부분을 잘라내야 입력과 같은 모양이 됩니다.
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
            """)),
        *task("conv2d_backward"),
        md(bi(
            """
            ## 최대 풀링의 역전파

            창의 출력은 최댓값 하나였으므로 기울기도 **최댓값이 있던 칸 하나**로만 갑니다. 나머지
            칸은 0입니다. 최댓값이 여러 칸에 같으면 행 순서로 읽어 처음 나온 칸에 줍니다(`argmax`와
            같은 규칙). 창이 겹치면(stride < 창 크기) 한 칸이 여러 창에서 기울기를 받으니 더하세요.
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


            print(f"dx relative error: {relative_error(dx, dx_num):.1e}")
            print(f"dw relative error: {relative_error(dw, dw_num):.1e}  (about 1e-7 or less: correct)")
        """),
        md(bi(
            """
            ## 전체 네트워크의 손실과 기울기

            `tiny_cnn_loss_and_grads(x, y, params)`는 순전파로 손실을 구하고, 마지막 층부터 거꾸로
            역전파 함수들을 불러 모든 매개변수의 기울기를 돌려줍니다. 역전파에는 순전파의 중간값
            (합성곱 출력, 풀링 출력 등)이 필요하니 저장해 두세요. 위의 제공 셀에 있는 `_forward`가
            그 값들을 함께 돌려줍니다. 크로스 엔트로피의 기울기는 제공 함수 `cross_entropy_backward`
            `= (softmax − one-hot) / N`입니다.

            순서: dense ← flatten(모양만 되돌림) ← max-pool ← ReLU ← conv2 ← max-pool ← ReLU ← conv1.
            """,
            """
            ## Loss and gradients of the whole network

            `tiny_cnn_loss_and_grads(x, y, params)` runs the forward pass to get the loss, then calls
            the backward functions from the last layer to the first and returns the gradient of
            every parameter. The backward pass needs the forward pass's intermediate values
            (convolution outputs, pooled maps, …); keep them. The provided `_forward` (in the
            locked cell above) returns them with the logits. The gradient of the cross-entropy is
            the provided `cross_entropy_backward` `= (softmax − one-hot) / N`.

            Order: dense ← flatten (just reshape back) ← max-pool ← ReLU ← conv2 ← max-pool ← ReLU
            ← conv1.
            """)),
        *task("tiny_cnn_loss_and_grads"),
        md(bi(
            """
            ## 학습

            `train_tiny_cnn`은 미니배치 **Adam**으로 학습합니다. 에폭마다 학습 데이터를 섞고, 배치마다
            기울기를 구해 각 매개변수 `p`를 갱신합니다(`t`는 지금까지의 단계 수):

            `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
            `p ← p − lr · m̂ / (√v̂ + ε)`, 여기서 `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
            `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.

            데이터: 1,797개의 8×8 숫자(`digits.npz`, 출처와 라이선스는 `DIGITS_README.md`)를 제공 함수
            `load_digits_split()`이 학습 80%, 시험 20%로 고정해서 나눕니다. 인자로 배열을 주지 않으면
            이 함수를 쓰세요. 기본값(12 에폭, 배치 32, lr 0.01)으로 시험 정확도가 97%를 넘어야 합니다.
            """,
            """
            ## Training

            `train_tiny_cnn` trains with mini-batch **Adam**. Every epoch it shuffles the training
            data; for every batch it computes the gradients and updates each parameter `p` (`t` is
            the number of steps so far):

            `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
            `p ← p − lr · m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
            `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.

            Data: the 1,797 8×8 digits (`digits.npz`; source and licence in `DIGITS_README.md`),
            split into a fixed 80% training and 20% test set by the provided `load_digits_split()`;
            use it when no arrays are passed in. With the defaults (12 epochs, batch 32, lr 0.01) the
            test accuracy must exceed 97%.
            """)),
        *task("train_tiny_cnn"),
        demo("""
            result = train_tiny_cnn()
            print(f"test accuracy: {result['test_accuracy']:.3f}")
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.5),
                                     gridspec_kw={"width_ratios": [1, 1.4]})
            axes[0].plot(np.arange(1, len(result["loss_history"]) + 1), result["loss_history"], "o-")
            axes[0].set_xlabel("epoch")
            axes[0].set_ylabel("mean training loss")
            axes[0].set_title(f"test accuracy {result['test_accuracy']:.1%}")
            filters = result["params"]["conv1_w"][:, 0]  # the 8 learned 3x3 filters
            axes[1].imshow(np.hstack([np.pad(f, 1, constant_values=np.nan) for f in filters]),
                           cmap="RdBu_r")
            axes[1].set_title("conv1: the 8 filters it learned")
            axes[1].axis("off")
            plt.show()

            x_test, y_test = load_digits_split()[2:]
            logits = tiny_cnn_forward(x_test[:10], result["params"])
            fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
            for ax, image, label, guess in zip(axes, x_test[:10, 0], y_test[:10], logits.argmax(1)):
                ax.imshow(image, cmap="gray_r")
                ax.set_title(f"{guess}" + ("" if guess == label else f" (not {label})"))
                ax.axis("off")
            fig.suptitle("predictions on test digits")
            plt.show()
        """),
        md(bi(
            """
            ## 마치며
            필터 크기, stride, 패딩으로 피처 맵의 크기를 정하고, `W·X + b`로 피처 맵을 채우고, 필터
            여러 개로 깊이를 쌓고, 풀링과 완전연결층으로 분류했습니다. 그리고 역전파로 그 필터들을
            데이터에서 직접 배웠습니다. 이것이 CNN의 전부입니다. 나머지는 규모입니다.
            """,
            """
            ## Wrapping up
            Filter size, stride and padding fix the size of a feature map; `W·X + b` fills it;
            several filters stack up depth; pooling and a fully connected layer classify; and
            backpropagation learns the filters from data. That is all of a CNN; the rest is scale.
            """)),
    ]
